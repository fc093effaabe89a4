using System;
using System.Diagnostics;
using System.Linq;
using LossGen.TorchSharp;
using TorchSharp;
using TorchSharpTraining;
using static TorchSharp.torch;

// The same MLP trained twice from the same initial weights: once with a loss written in TorchSharp, once with a
// LossGen loss (an autograd node whose forward computes the loss and its gradient in one fused pass). The two are the
// same function, so the loss curves must agree to rounding; a larger gap is a bug, and the exit code says so.
const int Points = 2048, Steps = 200;
set_num_threads(1); // steadier timings, and one summation order inside libtorch
// float64, because in float32 the two losses differ in their last digits from step 1 and 200 Adam steps amplify that to
// ~1e-3 relative, as much as torch's cross_entropy differs from its own logsumexp − gather. In float64 the curves stay
// within ~1e-13, so the 1e-4 check below catches a wrong loss or gradient, not rounding.
set_default_dtype(ScalarType.Float64);
manual_seed(1);

// Classification: three interleaved spirals of 2-D points, hard enough that the loss keeps falling for 200 steps.
Tensor labels = arange(Points, dtype: ScalarType.Int64) % 3;
Tensor radius = linspace(0.05, 1, Points);
Tensor angle = radius * 7 + labels * (2 * Math.PI / 3) + randn(Points) * 0.3;
Tensor spirals = stack([radius * cos(angle), radius * sin(angle)], 1);

// Regression: y = sin(x) with small noise, and 10% of the targets thrown far off, which a robust loss shrugs at.
Tensor x = rand(Points, 1) * 6 - 3;
Tensor y = sin(x) + randn(Points, 1) * 0.1;
y = where(rand(Points, 1) < 0.1, y + randn(Points, 1) * 5, y);
const double Delta = 0.5;

bool same = Compare("Spirals, 3 classes: softmax cross-entropy", spirals, 3,
    ("torch cross_entropy", logits => nn.functional.cross_entropy(logits, labels)),
    ("TorchLosses.SparseSoftmaxCE", logits => TorchLosses.SparseSoftmaxCrossEntropy(logits, labels)));
same &= Compare($"sin(x) with outliers: pseudo-Huber, delta {Delta}", x, 1,
    ("torch ops", pred => (Delta * Delta * (sqrt(1 + square((pred - y) / Delta)) - 1)).mean()),
    ("SampleLosses.PseudoHuber", pred => SampleLosses.PseudoHuber(pred, y, Delta)));
if (!same)
{
    Console.Error.WriteLine("FAILED: a LossGen loss curve differs from the TorchSharp one by more than 1e-4 (relative).");
    return 1;
}

Console.WriteLine("Both pairs of curves agree to rounding.");
return 0;

static bool Compare(string task, Tensor inputs, int outputs, (string Name, Func<Tensor, Tensor> Loss) a, (string Name, Func<Tensor, Tensor> Loss) b)
{
    // Untimed first: .NET optimizes TorchSharp's and LossGen's managed code only after it has run for a while.
    for (long start = Stopwatch.GetTimestamp(); Stopwatch.GetElapsedTime(start).TotalSeconds < 1.5;)
    {
        Train(inputs, outputs, [a.Loss, b.Loss], 20);
    }

    (double[][] curves, double[] ms) = Train(inputs, outputs, [a.Loss, b.Loss], Steps);
    Console.WriteLine($"{task} ({inputs.shape[0]} points, MLP {inputs.shape[1]}-64-64-{outputs}, Adam, full batch, float64)");
    Console.WriteLine($"{"step",6}  {a.Name,28}  {b.Name,28}");
    double worst = 0;
    for (int step = 0; step < Steps; step++)
    {
        worst = Math.Max(worst, Math.Abs(curves[0][step] - curves[1][step]) / Math.Abs(curves[0][step]));
        if (step == 0 || (step + 1) % 20 == 0)
        {
            Console.WriteLine($"{step + 1,6}  {curves[0][step],28:F6}  {curves[1][step],28:F6}");
        }
    }

    Console.WriteLine($"max relative difference over {Steps} steps: {worst:E2}");
    Console.WriteLine($"median training step (the MLP's forward and backward, the loss, Adam): {a.Name} {ms[0]:F2} ms, {b.Name} {ms[1]:F2} ms");
    Console.WriteLine();
    return worst <= 1e-4;
}

// One model per loss, each from the same initial weights, trained in lock-step: on a shared machine a burst of load
// then slows both variants alike instead of whichever ran at the time.
static (double[][] Curves, double[] MedianMs) Train(Tensor inputs, int outputs, Func<Tensor, Tensor>[] losses, int steps)
{
    var models = losses.Select(_ =>
    {
        manual_seed(42);
        return nn.Sequential(nn.Linear(inputs.shape[1], 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, outputs));
    }).ToArray();
    var optimizers = models.Select(model => optim.Adam(model.parameters(), lr: 0.005)).ToArray();
    double[][] curves = losses.Select(_ => new double[steps]).ToArray(), times = losses.Select(_ => new double[steps]).ToArray();
    for (int step = 0; step < steps; step++)
    {
        for (int v = 0; v < losses.Length; v++)
        {
            long start = Stopwatch.GetTimestamp();
            using (NewDisposeScope()) // frees the step's activations, loss and gradients now, not at some later GC
            {
                optimizers[v].zero_grad();
                Tensor loss = losses[v](models[v].forward(inputs));
                loss.backward();
                optimizers[v].step();
                curves[v][step] = loss.item<double>();
            }

            times[v][step] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
    }

    foreach (IDisposable disposable in models.Concat<IDisposable>(optimizers))
    {
        disposable.Dispose();
    }

    return (curves, times.Select(t => t.Order().ElementAt(steps / 2)).ToArray());
}
