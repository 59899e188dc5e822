#!/usr/bin/env bash
# Runs fuzz targets for a while each, two at a time (the machine has 2 cores).
#   fuzz/run.sh [SECONDS] [TARGET...]     default: 180 s, every target
# Needs cargo-fuzz (`cargo install cargo-fuzz`). On a stable toolchain RUSTC_BOOTSTRAP=1 lets
# cargo-fuzz pass its -Z sanitizer flags. Logs go to fuzz/logs/<target>.log; crashes to
# fuzz/artifacts/<target>/; the grown corpus to fuzz/corpus/<target>/ (seeds/<target>/ is read
# but never written).
set -euo pipefail
cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1
seconds="${1:-180}"
shift || true
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
    mapfile -t targets < <(cargo fuzz list)
fi
# Build once, then run the binaries directly: `cargo fuzz run` would rebuild whenever a crate
# changes under it, eating the run's time.
cargo fuzz build -O
bin_dir="${CARGO_TARGET_DIR:-target}/$(rustc -vV | sed -n 's/^host: //p')/release"
mkdir -p logs
run_one() {
    local t="$1"
    mkdir -p "corpus/$t"
    local dirs=("corpus/$t")
    [ -d "seeds/$t" ] && dirs+=("seeds/$t")
    mkdir -p "artifacts/$t"
    if "$bin_dir/$t" -artifact_prefix="artifacts/$t/" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=4096 -print_final_stats=1 "${dirs[@]}" >"logs/$t.log" 2>&1; then
        echo "$t: ok ($(grep -o 'stat::number_of_executed_units: [0-9]*' "logs/$t.log" | cut -d' ' -f2) runs)"
    else
        echo "$t: FAILED, see fuzz/logs/$t.log and fuzz/artifacts/$t/"
    fi
}
i=0
for t in "${targets[@]}"; do
    run_one "$t" &
    i=$((i + 1))
    if [ $((i % 2)) -eq 0 ]; then wait; fi
done
wait
