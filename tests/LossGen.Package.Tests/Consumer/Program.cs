using System;
using System.Globalization;
using System.Linq;
using Consumer;
using LossGen;

// Each line is a name and its numbers, read back by PackageTests.
float[] pred = [0.5f, 2f, -1f, 3f];
float[] target = [0f, 2.5f, -1f, 1f];
float[] gradient = new float[pred.Length];

float loss = ConsumerLosses.ScaledSquareWithGradient(pred, target, gradient, scale: 3.0);
Print("scaled-square", loss);
Print("scaled-square-gradient", gradient.Select(g => (double)g).ToArray());
Print("scaled-square-formula", ConsumerLosses.ScaledSquare(0.5, 0.0, 3.0));
Print("mse", Losses.MeanSquaredError(pred, target));
Print("mse-sum", Losses.MeanSquaredError(pred, target, Reduction.Sum));
// The analyzer warns about this call at build time (LG0201); at run time the declared domain throws before any work.
try
{
    CallSiteCases.HingeWithZeroOneLabels(pred);
    Print("hinge-zero-one-accepted");
}
catch (ArgumentOutOfRangeException e) when (e.ParamName == "target")
{
    Print("hinge-zero-one-rejected-at-index", e.Message.Contains("'target'[0] is 0", StringComparison.Ordinal) ? 0 : -1);
}

static void Print(string name, params double[] values)
    => Console.WriteLine($"{name} {string.Join(' ', values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}");
