// The benchmark program's main: Google Benchmark's own, after one allocator setting.
//
// glibc serves large vectors with fresh mmap and returns them on free, so every iteration of a benchmark that
// builds a table touches new pages; on virtual machines that first touch can cost more than the work measured.
// A long-running CRM process reuses its heap instead, so by default the benchmarks keep freed memory in the
// process. Every thread allocates from the one main heap: glibc gives an emptied heap of a thread's own arena back
// to the system whatever the trim threshold, so a benchmark whose threads build arrays would fault them in anew
// each iteration. Set LEADSCORE_BENCH_FRESH_MEMORY=1 to measure with first-touch page faults included.
#include <benchmark/benchmark.h>

#include <climits>
#include <cstdlib>
#include <malloc.h>

int main(int argc, char** argv) {
    const char* fresh = std::getenv("LEADSCORE_BENCH_FRESH_MEMORY");
    const bool reuse = fresh == nullptr || *fresh == '\0' || *fresh == '0';
    if (reuse) {
        mallopt(M_MMAP_MAX, 0);             // large blocks from the heap, not from mmap
        mallopt(M_TRIM_THRESHOLD, INT_MAX); // and the heap is not given back between iterations
        mallopt(M_ARENA_MAX, 1);            // one heap for every thread
    }
    benchmark::AddCustomContext("freed_memory", reuse ? "kept in the process" : "returned to the system");
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
