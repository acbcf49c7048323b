// SPDX-License-Identifier: GPL-2.0
/*
 * A JVM "server" for tests/live/jvm.sh: every 200 ms a request arrives and
 * its handler runs a task. With "leak", the handler creates an executor per
 * request and never shuts it down, the mistake issue 14 describes: one
 * pool-N-thread-1 thread more per request, waiting for work forever. With
 * "healthy", every request goes to one shared executor. Prints "ready" and
 * then "created N" (pools created so far) after each request.
 */
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

public class PoolLeak {
	static ExecutorService shared;

	static void handle(boolean leak, int n) throws Exception {
		ExecutorService pool = leak ? Executors.newFixedThreadPool(1) : shared;
		Future<Integer> f = pool.submit(() -> n * 2);
		f.get();
	}

	public static void main(String[] args) throws Exception {
		boolean leak = args.length > 0 && args[0].equals("leak");
		int requests = args.length > 1 ? Integer.parseInt(args[1]) : Integer.MAX_VALUE;
		int created = 0;

		shared = Executors.newFixedThreadPool(2);
		System.out.println("ready");
		System.out.flush();
		for (int i = 0; i < requests; i++) {
			handle(leak, i);
			if (leak)
				created++;
			System.out.println("created " + created);
			System.out.flush();
			Thread.sleep(200);
		}
		Thread.sleep(Long.MAX_VALUE);
	}
}
