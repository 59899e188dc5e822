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
cargo fuzz build -O
mkdir -p logs
run_one() {
    local t="$1"
    mkdir -p "corpus/$t"
    local dirs=("corpus/$t")
    [ -d "seeds/$t" ] && dirs+=("seeds/$t")
    if cargo fuzz run -O "$t" "${dirs[@]}" -- -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=4096 -print_final_stats=1 >"logs/$t.log" 2>&1; then
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
