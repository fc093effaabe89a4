#!/usr/bin/env bash
# Checks that no loop in the engines' optimized code calls a method, at each vector width.
#
# Builds tests/LossGen.JitCheck once (Release), runs it once per width with the JIT's disassembly of the engine loop
# methods written to a file (DOTNET_JitDisasm + DOTNET_JitStdOutFile), then has the same program read each file
# ("parse" mode, tests/LossGen.JitCheck/DisasmCheck.cs): for every method it keeps the last steady-state compilation
# (Tier1 or FullOpts; on-stack-replacement code only when there is nothing else, with a warning), finds the loops
# (natural loops of the control-flow graph, cold blocks moved out of line included) and reports each call in a loop,
# at the innermost loop holding it. Calls to throw helpers (CORINFO_HELP_RNGCHKFAIL, CORINFO_HELP_THROW*,
# ThrowHelper, methods named Throw*) never count: they run once, on the way out.
#
# Usage: tests/check-jit-calls.sh [options] [width...]
#   widths: 512 (the machine's default), 256 (AVX-512 off), 128 (DOTNET_PreferredVectorBitWidth=128),
#           nofma (AVX2 off, which in .NET 10 also turns off FMA and the 256/512-bit paths: 128-bit without FMA).
#           Default: 512 256 128, gating, then nofma, reported but not gating. Widths named here all gate.
#           The 256-bit switch is DOTNET_EnableAVX512=0: .NET 10 ignores DOTNET_EnableAVX512F (each run checks the
#           width the process reports, and stops if a switch did not take effect).
#   --innermost-only   fail only on calls in innermost loops (calls in outer loops, e.g. once per block, are listed)
#   --no-build         use the existing build
#   --keep DIR         keep the JIT output files in DIR (default: a temporary directory, removed)
#   --full-names       print names with the generated kernels' file-local prefixes and full namespaces
# Exit status: 0 no call in a loop; 1 calls found (printed as VIOLATION lines: width, method, callee);
#              2 the check could not run (build failed, the width did not take effect, unreadable JIT output).
set -euo pipefail

# Allowed calls: "calleeRegex" or "methodRegex::calleeRegex" (.NET regular expressions, matched against the full names
# as the JIT prints them). Every entry says why the call is acceptable.
ALLOW=(
  # The vector transcendentals past a kernel's first two (or its first, in a long kernel) are out of line by design:
  # inlined, they overran the JIT's 512 locals per method and every other operation of the kernel became a call.
  ':(Exp|Log|Log1p|Expm1|Tanh)\(System\.Runtime\.Intrinsics\.Vector(128|256|512)'
  # Pow's general exponents: one call to e^(y·log x) with both inlined in it (its exponents 0, 1 and 2 never call).
  'SimdFunctions:PowGeneral\['
  # The scalar tail of the elementwise engines: fewer than one set of lanes per call after the vector loop (and the
  # whole input only on a machine without SIMD).
  'ElementwiseEngine:(AccumulateRange|MapRange)\[::.'
  # The pixelwise cross-entropy's scalar tail: fewer than one vector of pixels per image (and the whole input only on a
  # machine without SIMD), its exp a call as the elementwise engine's scalar tail's.
  'PixelwiseCrossEntropyEngine.*:(Weighted)?Pixels\[[a-z]+,[A-Za-z.]*ScalarSimd::.'
  # CTC loads, and zeroes the gradient of, one frame of C classes per call: once per frame, each a vector loop itself.
  'CtcEngine.*:Sample\[::CtcEngine.*:(LoadRow|ZeroOutRow)'
)

# The methods holding the engines' hot loops (DOTNET_JitDisasm patterns: Namespace.Class:Method, '*' wildcards; a
# generic method matches by its name, whatever its instantiation).
PATTERNS=(
  '*ElementwiseEngine:AccumulateRange'            # the scalar tail (up to one lane set of elements)
  '*ElementwiseEngine:AccumulateVectors'
  '*ElementwiseEngine:AccumulateVectorsUnrolled'
  '*ElementwiseEngine:AccumulateBlocksNonTemporal'
  '*ElementwiseEngine:MapRange'
  '*ElementwiseEngine:MapVectors'
  '*RowEngine:PassVectors'
  '*RowEngine:PassVectorParts'
  '*RowEngine:PassLastVectorParts'
  '*RowEngine:GradientVectors'
  '*RowEngine:GradientVectorParts'
  '*RowEngine:GradientVectorLoop'
  '*RowEngine:GradientLastVector'
  '*SoftmaxOverlapEngine*:StatisticsVectors'
  '*SoftmaxOverlapEngine*:GradientVectors'
  '*PixelwiseCrossEntropyEngine*:Pixels'
  '*PixelwiseCrossEntropyEngine*:WeightedPixels'
  '*CtcEngine*:Sample'
  '*CtcEngine*:ExpRow'
  '*CtcEngine*:LoadRow'
  '*CtcEngine*:StoreGradRow'
)

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
project="$repo/tests/LossGen.JitCheck"
dll="$project/bin/Release/net10.0/LossGen.JitCheck.dll"

build=1 keep="" parse_flags=() widths=()
while (($#)); do
  case "$1" in
    --no-build) build=0 ;;
    --keep) keep="$2"; shift ;;
    --innermost-only) parse_flags+=(--innermost-only) ;;
    --full-names) parse_flags+=(--full-names) ;;
    512|256|128|nofma) widths+=("$1") ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
gating_widths=(512 256 128)
if ((${#widths[@]} == 0)); then widths=(512 256 128 nofma); else gating_widths=("${widths[@]}"); fi

start=$SECONDS
if ((build)); then
  echo "building $project (Release)"
  dotnet build "$project" -c Release -nologo -v quiet >/dev/null || { dotnet build "$project" -c Release -nologo -v quiet; exit 2; }
fi

dotnet "$dll" selftest >/dev/null || { dotnet "$dll" selftest; echo "the checker's self-test failed" >&2; exit 2; }

if [[ -n "$keep" ]]; then mkdir -p "$keep"; out="$keep"; else out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT; fi

for rule in "${ALLOW[@]+"${ALLOW[@]}"}"; do parse_flags+=(--allow "$rule"); done

# width -> environment (both spellings of the AVX-512 switch: .NET 10 reads DOTNET_EnableAVX512, earlier ones
# DOTNET_EnableAVX512F) and what the process must report.
width_env() {
  case "$1" in
    512) echo "" ;;
    256) echo "DOTNET_EnableAVX512=0 DOTNET_EnableAVX512F=0" ;;
    128) echo "DOTNET_PreferredVectorBitWidth=128" ;;
    nofma) echo "DOTNET_EnableAVX2=0" ;;
  esac
}
width_expect() {
  case "$1" in
    512) echo "bits=512 fma=1" ;;
    256) echo "bits=256 fma=1" ;;
    128) echo "bits=128 fma=1" ;;
    nofma) echo "bits=128 fma=0" ;;
  esac
}

# A width the machine lacks cannot be checked here (an AVX2 machine has no 512-bit path, ARM64 only 128-bit).
has_flag() { grep -qw "$1" /proc/cpuinfo 2>/dev/null; }
machine_has() {
  case "$1" in
    512) has_flag avx512f ;;
    256|nofma) has_flag avx2 ;;
    *) true ;;
  esac
}

status=0
for width in "${widths[@]}"; do
  if ! machine_has "$width"; then echo "[$width] skipped: this machine has no such vector path"; continue; fi
  gating=0
  for g in "${gating_widths[@]}"; do [[ "$g" == "$width" ]] && gating=1; done
  file="$out/jit-$width.txt"
  for attempt in 1 2; do
    rm -f "$file"   # the JIT appends to DOTNET_JitStdOutFile
    # shellcheck disable=SC2046
    line="$(env $(width_env "$width") DOTNET_TieredPGO=0 DOTNET_JitStdOutFile="$file" DOTNET_JitDisasm="${PATTERNS[*]}" \
      dotnet "$dll")" || { echo "[$width] the workload failed" >&2; exit 2; }
    echo "[$width] $line"
    if [[ "$line" != *"$(width_expect "$width")"* ]]; then
      echo "[$width] ERROR: expected $(width_expect "$width"): the width switch did not take effect" >&2
      exit 2
    fi
    set +e
    dotnet "$dll" parse --label "$width" "${parse_flags[@]+"${parse_flags[@]}"}" "$file"
    rc=$?
    set -e
    # 2: unreadable output, e.g. two compilations printed at once (the tiering thread); once more.
    if ((rc != 2 || attempt == 2)); then break; fi
    echo "[$width] unreadable JIT output; running again"
  done
  if ((rc == 2)); then status=2
  elif ((rc == 1 && gating)); then ((status == 0)) && status=1
  elif ((rc == 1)); then echo "[$width] (not gating)"
  fi
done

echo "check-jit-calls: $((SECONDS - start)) s, exit $status"
exit $status
