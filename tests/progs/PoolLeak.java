// SPDX-License-Identifier: GPL-2.0
/*
 * A JVM "server" for tests/live/jvm.sh: every 200 ms a request arrives and
 * its handler runs a task. With "leak N", the handler of each of the first N
 * requests creates an executor and never shuts it down, the mistake of
 * issue 14: one pool-K-thread-1 thread more per request, waiting for work
 * forever; the requests after them go to the shared executor. With
 * "healthy", every request goes to the shared executor, whose two threads
 * are named handler-K. Prints "ready", then "created N" (executors created
 * so far) after each request.
 */
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;

public class PoolLeak {
	static ExecutorService shared;

	static void handle(ExecutorService pool, int n) throws Exception {
		Future<Integer> f = pool.submit(() -> n * 2);
		f.get();
	}

	public static void main(String[] args) throws Exception {
		boolean leak = args.length > 0 && args[0].equals("leak");
		int leaks = args.length > 1 ? Integer.parseInt(args[1]) : 0;
		AtomicInteger handlers = new AtomicInteger();
		ThreadFactory named = r -> new Thread(r, "handler-" + handlers.incrementAndGet());
		int created = 0;

		shared = Executors.newFixedThreadPool(2, named);
		((ThreadPoolExecutor)shared).prestartAllCoreThreads();
		System.out.println("ready");
		System.out.flush();
		for (int i = 0;; i++) {
			if (leak && created < leaks) {
				handle(Executors.newFixedThreadPool(1), i);
				created++;
			} else {
				handle(shared, i);
			}
			System.out.println("created " + created);
			System.out.flush();
			Thread.sleep(200);
		}
	}
}
