using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/LossGen.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
