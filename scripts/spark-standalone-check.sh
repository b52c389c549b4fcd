#!/usr/bin/env bash
# Meta-trains the same short run three (or four) ways and compares the `theta sha256:` lines:
#   1. in process (./metamorph meta-train ...);
#   2. spark-submit of the shaded jar with --master local[2];
#   3. spark-submit to a real Spark standalone cluster on loopback (a Master and workers started here,
#      each executor a separate JVM that reads the project and the data cache at this path);
#   4. with --kill-executor: the same on two workers, killing one executor JVM (kill -9) mid-run.
# No Spark distribution is needed: Spark's launcher, Master, Worker and executor backend are in
# spark-core on Maven Central; scripts/spark-distribution/pom.xml lists those jars and this script
# links them into a SPARK_HOME/jars folder (with the RELEASE file a distribution has).
#
# Usage: scripts/spark-standalone-check.sh [--rebuild] [--kill-executor] [--keep] [overrides...]
#   default overrides: a sinusoid run (maml=sinusoid maml.iterations=20 maml.val-every=0)
#   --rebuild        build the spark-submit jar even if it exists (mvn -Pspark-submit ... package)
#   --kill-executor  also run case 4
#   --keep           keep the work folder (logs of master, workers, executors, runs)
# Environment: SPARK_CHECK_PORT (master port, default 7077), SPARK_CHECK_WORK (work folder,
# default a new temporary folder), SPARK_CHECK_EXECUTOR_MEMORY (default 2g; over the MiniLM base
# each executor thread opens the base and its cached features: 3g), OMP_NUM_THREADS (default 1).
# Exit status: 0 when every theta digest is equal, 1 when they differ, 2 on a setup error.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REBUILD=0 KILL=0 KEEP=0 OVERRIDES=()
for a in "$@"; do
  case "$a" in
    --rebuild) REBUILD=1 ;;
    --kill-executor) KILL=1 ;;
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) OVERRIDES+=("$a") ;;
  esac
done
[ ${#OVERRIDES[@]} -gt 0 ] || OVERRIDES=(maml=sinusoid maml.iterations=20 maml.val-every=0)
PORT="${SPARK_CHECK_PORT:-7077}"
WORK="${SPARK_CHECK_WORK:-$(mktemp -d /tmp/metamorph-spark-check.XXXXXX)}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
JAR="$ROOT/cli/target/metamorph-cli-0.1.0-SNAPSHOT-spark-submit.jar"
SH="$WORK/spark-home"
mkdir -p "$SH/jars" "$WORK/logs" "$WORK/runs"
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
  if [ "$KEEP" = 1 ]; then echo "work folder kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  echo "port $PORT on 127.0.0.1 is taken; set SPARK_CHECK_PORT to a free port" >&2; exit 2
fi

# The flags Spark 4 needs on Java 17 (the same as ./metamorph's).
OPENS="$(sed -n 's/^SPARK_OPENS="\(.*\)"$/\1/p' "$ROOT/metamorph")"
[ -n "$OPENS" ] || { echo "cannot read SPARK_OPENS from $ROOT/metamorph" >&2; exit 2; }

if [ "$REBUILD" = 1 ] || [ ! -f "$JAR" ]; then
  log "building the spark-submit jar (mvn -Pspark-submit -pl cli -am package, tests skipped)"
  (cd "$ROOT" && mvn -B -q -Pspark-submit -pl cli -am -Dmaven.test.skip=true package) > "$WORK/logs/build.log" 2>&1 \
    || { cat "$WORK/logs/build.log" >&2; exit 2; }
fi
log "jar: $JAR ($(du -m "$JAR" | cut -f1) MB)"

log "resolving Spark 4.0.1's jars (scripts/spark-distribution/pom.xml)"
mvn -B -q -f "$ROOT/scripts/spark-distribution/pom.xml" dependency:build-classpath -Dmdep.outputFile="$WORK/spark.classpath" \
  > "$WORK/logs/spark-classpath.log" 2>&1 || { cat "$WORK/logs/spark-classpath.log" >&2; exit 2; }
IFS=':' read -ra SPARK_JARS < "$WORK/spark.classpath" || true
for j in "${SPARK_JARS[@]}"; do ln -sf "$j" "$SH/jars/"; done
echo "Spark 4.0.1 (the jars of org.apache.spark:spark-core_2.13 on Maven Central)" > "$SH/RELEASE"
# The standalone Worker builds each executor's class path from SPARK_HOME/jars; its launcher code
# also wants the Scala version, which a distribution's scripts set.
export SPARK_HOME="$SH" SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1

theta() { sed -n 's/^theta sha256: \([0-9a-f]\{64\}\)$/\1/p' "$1" | tail -n 1; }

# spark-submit in client mode: the driver runs in this JVM (so its options are this JVM's).
submit() { # name master [extra spark-submit args...] -- overrides
  local name="$1" master="$2"; shift 2
  local args=()
  while [ "$1" != "--" ]; do args+=("$1"); shift; done; shift
  java -Xmx2g $OPENS -Dmetamorph.root="$ROOT" -Dorg.bytedeco.javacpp.maxphysicalbytes=4g -cp "$SH/jars/*" \
    org.apache.spark.deploy.SparkSubmit --master "$master" --deploy-mode client \
    --conf spark.ui.enabled=false --conf spark.executor.memory="${SPARK_CHECK_EXECUTOR_MEMORY:-2g}" \
    --conf "spark.executor.extraJavaOptions=$OPENS -Dorg.bytedeco.javacpp.maxphysicalbytes=4g" \
    --conf spark.executorEnv.OMP_NUM_THREADS="$OMP_NUM_THREADS" "${args[@]}" \
    --class dev.metamorph.cli.MetamorphCommand "$JAR" \
    meta-train "$@" maml.executor=spark run.dir="\"$WORK/runs/$name\"" > "$WORK/logs/$name.log" 2>&1
}

declare -A DIGEST SECONDS_OF
run_case() { # name command...
  local name="$1"; shift
  local t0=$SECONDS
  log "$name: running"
  if ! "$@"; then
    log "$name: FAILED (log: $WORK/logs/$name.log)"; grep -v ' INFO ' "$WORK/logs/$name.log" | tail -n 20 >&2; KEEP=1; DIGEST[$name]=failed
  else
    DIGEST[$name]="$(theta "$WORK/logs/$name.log")"
  fi
  SECONDS_OF[$name]=$((SECONDS - t0))
  log "$name: theta sha256: ${DIGEST[$name]:-none} (${SECONDS_OF[$name]} s)"
}

in_process() { "$ROOT/metamorph" meta-train "${OVERRIDES[@]}" run.dir="\"$WORK/runs/in-process\"" > "$WORK/logs/in-process.log" 2>&1; }
local2() { submit submit-local2 'local[2]' -- "${OVERRIDES[@]}"; }

start_master() {
  java -Xmx512m $OPENS -cp "$SH/jars/*" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$PORT" --webui-port 0 \
    > "$WORK/logs/master.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 60); do grep -q "I have been elected leader" "$WORK/logs/master.log" && return 0; sleep 1; done
  echo "the Spark master did not start (log: $WORK/logs/master.log)" >&2; exit 2
}
start_worker() { # name cores
  java -Xmx512m $OPENS -cp "$SH/jars/*" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores "$2" --memory 8g \
    --work-dir "$WORK/$1" --webui-port 0 "spark://127.0.0.1:$PORT" > "$WORK/logs/$1.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 60); do grep -q "Successfully registered with master" "$WORK/logs/$1.log" && return 0; sleep 1; done
  echo "the Spark worker $1 did not register (log: $WORK/logs/$1.log)" >&2; exit 2
}
standalone() { submit submit-standalone "spark://127.0.0.1:$PORT" -- "${OVERRIDES[@]}"; }

# Kills one executor JVM (kill -9) once the run has done a few meta-iterations: its running tasks are
# lost and Spark recomputes them on the other executor (and the master starts a new executor).
killer() {
  local log="$WORK/logs/submit-lost-executor.log" pid
  for _ in $(seq 600); do
    if grep -q "maml .*[1-9][0-9]*/[0-9]* it" "$log" 2>/dev/null; then break; fi
    sleep 0.5
  done
  # the executor whose working folder is under worker-b's work folder (this run's, no other process)
  pid="$(pgrep -f CoarseGrainedExecutorBackend | while read -r p; do
          case "$(readlink "/proc/$p/cwd" 2>/dev/null)" in "$WORK/worker-b/"*) echo "$p" ;; esac; done | head -n 1)"
  if [ -n "$pid" ]; then
    kill -9 "$pid" && log "killed executor JVM $pid (worker-b) mid-run"
    echo "$pid" > "$WORK/killed-executor"
  else
    log "no executor of worker-b found to kill"
  fi
}
lost_executor() {
  killer & local k=$!
  submit submit-lost-executor "spark://127.0.0.1:$PORT" --conf spark.cores.max=2 --conf spark.executor.cores=1 -- "${OVERRIDES[@]}"
  local rc=$?
  wait "$k" || true
  return $rc
}

log "overrides: ${OVERRIDES[*]}"
run_case in-process in_process
run_case submit-local2 local2
start_master
start_worker worker-a 2
run_case submit-standalone standalone
if [ "$KILL" = 1 ]; then
  start_worker worker-b 1
  run_case submit-lost-executor lost_executor
  if [ -f "$WORK/killed-executor" ]; then
    log "lost-executor run: $(grep -c 'lost executor\|Lost executor\|ExecutorLostFailure' "$WORK/logs/submit-lost-executor.log" || true) lines about the lost executor"
  else
    log "lost-executor run: no executor was killed"; DIGEST[submit-lost-executor]="not-killed"
  fi
fi

echo "machine: $(nproc) cores, $(uptime | sed 's/.*load average/load average/'), commit $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet || echo '-dirty')"
ref="${DIGEST[in-process]}"
status=0
for name in in-process submit-local2 submit-standalone submit-lost-executor; do
  [ -n "${DIGEST[$name]+x}" ] || continue
  same="same"; [ "${DIGEST[$name]}" = "$ref" ] && [ -n "$ref" ] || { same="DIFFERENT"; status=1; }
  printf '%-22s theta sha256: %-64s %4s s  %s\n' "$name" "${DIGEST[$name]}" "${SECONDS_OF[$name]}" "$same"
done
exit $status
