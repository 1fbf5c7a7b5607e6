//! SIGTERM (and Ctrl-C): Kubernetes asks the pod to stop. The handler only sets [`STOP`],
//! which `server::serve` watches. Without a handler the process, PID 1 in its container,
//! would ignore SIGTERM and be killed when the grace period runs out.

use std::sync::atomic::{AtomicBool, Ordering};

/// Set once a stop was asked for.
pub static STOP: AtomicBool = AtomicBool::new(false);

/// Route SIGTERM and SIGINT to [`STOP`].
#[cfg(unix)]
pub fn listen() {
    const SIGINT: i32 = 2;
    const SIGTERM: i32 = 15;
    extern "C" fn on_signal(_: i32) {
        STOP.store(true, Ordering::SeqCst);
    }
    extern "C" {
        // libc's `signal`, which the standard library links on every unix target.
        fn signal(signum: i32, handler: extern "C" fn(i32)) -> usize;
    }
    // SAFETY: `signal` is called with valid signal numbers and a handler that only stores to
    // an atomic, which is async-signal-safe.
    unsafe {
        signal(SIGTERM, on_signal);
        signal(SIGINT, on_signal);
    }
}

/// No signals to route on this platform.
#[cfg(not(unix))]
pub fn listen() {}
