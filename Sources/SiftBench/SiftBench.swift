// SiftBench: benchmarks and demo-only code (load generator, engine benchmark, BBC loader), kept
// out of the product targets. `sift bench` and `sift demo` call it.
