// The bare window's first screen is drawn with its first frame, marked as the app marks its own
// (tests/bench/first-screen.mjs reads "first-screen" on both).
requestAnimationFrame(() => performance.mark("first-screen"));
