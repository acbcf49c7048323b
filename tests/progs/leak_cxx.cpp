// SPDX-License-Identifier: GPL-2.0
/*
 * A C++ program whose std::thread workers leak: every thread starts in
 * libstdc++'s execute_native_thread_routine, so the site threadleak names
 * must come from the thread's own stack: the function the program passed.
 */
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>
#include <unistd.h>

static std::mutex lock;
static std::condition_variable never;

static void fetch_config_forever(int id)
{
	std::unique_lock<std::mutex> guard(lock);
	never.wait(guard, [] { return false; });
	std::printf("worker %d done\n", id);
}

int main()
{
	std::printf("ready %d\n", getpid());
	std::fflush(stdout);
	for (int i = 0; i < 600; i++) {
		std::thread(fetch_config_forever, i).detach();
		std::this_thread::sleep_for(std::chrono::milliseconds(100));
	}
	for (;;)
		pause();
}
