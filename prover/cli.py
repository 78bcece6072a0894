"""The ``attrib`` command line."""

from __future__ import annotations

import argparse
import sys
import time


def cmd_demo(args: argparse.Namespace) -> int:
    """Smoke run of what exists so far: the BN254 field kernels, checked and timed.

    The end-to-end attribution demo (register, prove an epoch, verify, pay out)
    replaces this once the protocol layers land.
    """
    import random

    import kernels
    from kernels import fr

    n = args.n
    print(f"attrib demo: BN254 field kernels ({kernels.max_threads()} threads, "
          f"OpenMP {'on' if kernels.has_openmp() else 'off'})")
    rng = random.Random(args.seed)
    xs = [rng.randrange(fr.MODULUS) for _ in range(1000)]
    ys = [rng.randrange(fr.MODULUS) for _ in range(1000)]
    got = fr.to_ints(fr.mul(fr.from_ints(xs), fr.from_ints(ys)))
    if got != [x * y % fr.MODULUS for x, y in zip(xs, ys)]:
        print("FAILED: Fr multiplication disagrees with Python integers", file=sys.stderr)
        return 1
    print("  Fr mul agrees with Python integers on 1000 random pairs")
    a, b = fr.random(n, args.seed), fr.random(n, args.seed + 1)
    out = fr.zeros(n)
    fr.mul(a, b, out=out)
    start = time.perf_counter()
    fr.mul(a, b, out=out)
    mul_s = time.perf_counter() - start
    start = time.perf_counter()
    fr.inner(a, b)
    inner_s = time.perf_counter() - start
    print(f"  Fr mul   of {n} elements: {mul_s * 1e3:8.2f} ms ({mul_s / n * 1e9:.1f} ns/element)")
    print(f"  Fr inner of {n} elements: {inner_s * 1e3:8.2f} ms ({inner_s / n * 1e9:.1f} ns/element)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="attrib", description="Verifiable data attribution prover")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the end-to-end demo")
    demo.add_argument("--n", type=int, default=1 << 20, help="elements for the timing run")
    demo.add_argument("--seed", type=int, default=1)
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
