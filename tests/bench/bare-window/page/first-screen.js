// The bare window's first screen is drawn by its first frame: marked in the task after that frame,
// once it is laid out and painted, as the app marks its own (tests/bench/first-screen.mjs reads
// "first-screen" on both). A mark in the frame's own callback would come before its layout and
// paint, and leave out the first text's font set-up that every page pays.
requestAnimationFrame(() => setTimeout(() => performance.mark("first-screen"), 0));
