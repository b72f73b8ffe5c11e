import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// Tauri serves ui/dist; the dev server port matches tauri.conf.json's devUrl.
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: {
    target: "safari15",
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    // The screens other than the dashboard load when first opened (App.svelte). Their shared
    // modules would otherwise be seventeen small chunks, each a request and a parse on first use;
    // chunks under 60 KB are merged, so the start loads the dashboard's code in two scripts.
    rollupOptions: { output: { experimentalMinChunkSize: 60_000 } },
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
