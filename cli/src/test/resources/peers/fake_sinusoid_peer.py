"""Stand-in for the PyTorch sinusoid peer in tests: takes its options, reads the test-task file and
prints one JSON line like the peer's, echoing what it was given (threads, environment, tasks)."""
import argparse, json, os, time

ap = argparse.ArgumentParser()
for k in ["--iterations", "--seed", "--threads", "--meta-batch", "--k", "--inner-lr", "--inner-steps", "--meta-lr", "--test-tasks-file"]:
    ap.add_argument(k, required=True)
ap.add_argument("--first-order", action="store_true")
a = ap.parse_args()
t0 = time.perf_counter()
s = 0
for i in range(300000):
    s += i * i
train = time.perf_counter() - t0
with open(a.test_tasks_file) as f:
    tasks = [json.loads(line) for line in f if line.strip()]
print(json.dumps({
    "peer": "fake", "threads": int(a.threads), "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
    "order": "first" if a.first_order else "second", "iterations": int(a.iterations), "meta_batch": int(a.meta_batch),
    "k": int(a.k), "inner_lr": float(a.inner_lr), "test_tasks": len(tasks), "first_task": tasks[0],
    "train_seconds": train, "tasks_per_s": int(a.iterations) * int(a.meta_batch) / train,
    "mse_1step": [1.0, 0.1], "mse_10step": [0.5, 0.1]}))
