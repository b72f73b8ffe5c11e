# Sourced by tests/e2e/run and tests/bench/first-screen: a virtual display at the size our users
# work at (1366x768), and tauri-driver (which starts WebKitWebDriver) on free ports, so two runs can
# share a machine. Both append to the caller's `pids` array, which its exit trap kills.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_display LOG: starts Xvfb on the first display number with no lock file; exports DISPLAY.
start_display() {
  local n=90
  while [ -e "/tmp/.X$n-lock" ]; do n=$((n + 1)); done
  export DISPLAY=":$n"
  Xvfb "$DISPLAY" -screen 0 1366x768x24 -nolisten tcp >"$1" 2>&1 & pids+=($!)
  for _ in $(seq 100); do xdpyinfo -display "$DISPLAY" >/dev/null 2>&1 && break; sleep 0.1; done
  xdpyinfo -display "$DISPLAY" >/dev/null || { echo "Xvfb did not start" >&2; return 1; }
}

# start_driver LOG: starts tauri-driver and waits until it answers; exports E2E_DRIVER_PORT.
start_driver() {
  E2E_DRIVER_PORT="$(free_port)"; export E2E_DRIVER_PORT
  local native_port driver
  native_port="$(free_port)"
  driver="$(command -v tauri-driver || echo "$HOME/.cargo/bin/tauri-driver")"
  "$driver" --port "$E2E_DRIVER_PORT" --native-port "$native_port" --native-driver "$(command -v WebKitWebDriver)" >"$1" 2>&1 & pids+=($!)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$E2E_DRIVER_PORT/status" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -sf "http://127.0.0.1:$E2E_DRIVER_PORT/status" >/dev/null || { echo "tauri-driver did not start" >&2; return 1; }
}
