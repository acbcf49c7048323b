// SPDX-License-Identifier: GPL-2.0
//
// Rust threads that leak, for tests/live/rust.sh: a request handler that
// starts a thread per request which blocks on a Mutex held forever, and one
// that starts a thread per request which waits on a channel nobody sends on.
// Built with `rustc -g -O`: the closures are inlined into std's
// thread_start, so their names come only from DWARF's inlined frames.
//
// Usage: rust_threads LEAKS
// Prints "ready", then handles two requests (one of each) every 100 ms until
// each leaked LEAKS threads, prints "done" and sleeps until killed.
use std::env;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

#[inline(never)]
fn handle_locked_request(lock: Arc<Mutex<u64>>) {
	thread::spawn(move || {
		let mut n = lock.lock().unwrap();
		*n += 1;
	});
}

#[inline(never)]
fn handle_channel_request(keep: &mut Vec<mpsc::Sender<u64>>) {
	let (tx, rx) = mpsc::channel::<u64>();
	keep.push(tx);
	thread::spawn(move || {
		let v = rx.recv().unwrap_or(0);
		println!("{}", v);
	});
}

fn main() {
	let leaks: usize = env::args().nth(1).map(|a| a.parse().unwrap()).unwrap_or(20);
	let lock = Arc::new(Mutex::new(0u64));
	let held = lock.lock().unwrap();
	let mut senders = Vec::new();

	println!("ready");
	for _ in 0..leaks {
		handle_locked_request(lock.clone());
		handle_channel_request(&mut senders);
		thread::sleep(Duration::from_millis(100));
	}
	println!("done");
	loop {
		thread::sleep(Duration::from_secs(3600));
		if *held == u64::MAX {
			break;
		}
	}
}
