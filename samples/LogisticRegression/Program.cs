using System;
using System.Diagnostics;
using System.Linq;
using System.Numerics.Tensors;
using LogisticRegression;

// Logistic regression trained with a loss declared in SampleLosses.cs. The generator gave it
// SmoothedLogisticWithGradient: one fused pass computing the mean loss and ∂loss/∂logits.
const int Samples = 20_000, Features = 16, Epochs = 25;
const float LearningRate = 2f, Smoothing = 0.05f;
var random = new Random(7);

// Data: features ~ U(-1, 1), labels drawn from a logistic model with known weights.
float[] trueWeights = Enumerable.Range(0, Features).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
float[] x = new float[Samples * Features];
float[] labels = new float[Samples];
for (int i = 0; i < Samples; i++)
{
    Span<float> row = x.AsSpan(i * Features, Features);
    for (int j = 0; j < Features; j++)
    {
        row[j] = (float)(random.NextDouble() * 2 - 1);
    }

    double p = 1 / (1 + Math.Exp(-TensorPrimitives.Dot(row, trueWeights)));
    labels[i] = random.NextDouble() < p ? 1 : 0;
}

float[] weights = new float[Features], logits = new float[Samples], logitGradient = new float[Samples], weightGradient = new float[Features];
float bias = 0;
Console.WriteLine($"Logistic regression: {Samples} samples, {Features} features, label smoothing {Smoothing}");
for (int epoch = 1; epoch <= Epochs; epoch++)
{
    for (int i = 0; i < Samples; i++)
    {
        logits[i] = TensorPrimitives.Dot(x.AsSpan(i * Features, Features), weights) + bias;
    }

    float loss = SampleLosses.SmoothedLogisticWithGradient(logits, labels, logitGradient, Smoothing);

    // Back through the linear layer: ∂loss/∂w = Xᵀ·∂loss/∂logits, ∂loss/∂b = Σ ∂loss/∂logits.
    Array.Clear(weightGradient);
    for (int i = 0; i < Samples; i++)
    {
        TensorPrimitives.MultiplyAdd(x.AsSpan(i * Features, Features), logitGradient[i], weightGradient, weightGradient);
    }

    TensorPrimitives.MultiplyAdd(weightGradient, -LearningRate, weights, weights);
    bias -= LearningRate * TensorPrimitives.Sum(logitGradient);

    if (epoch == 1 || epoch % 5 == 0)
    {
        int correct = Enumerable.Range(0, Samples).Count(i => (logits[i] > 0) == (labels[i] > 0.5f));
        Console.WriteLine($"epoch {epoch,2}: loss {loss:F4}  accuracy {100.0 * correct / Samples:F1}%");
    }
}

Console.WriteLine($"cosine(learned, true weights) = {TensorPrimitives.CosineSimilarity(weights, trueWeights):F3}");

// Softmax regression with a row formula (SampleLosses.ConfidencePenalizedCrossEntropy): one row of class
// scores per sample. Its entropy term needs the log-sum-exp first, so the generated kernel reads each row in
// two passes, then writes the gradient in a third.
const int Classes = 3;
float[] centers = Enumerable.Range(0, Classes * Features).Select(_ => (float)(random.NextDouble() * 0.6 - 0.3)).ToArray();
int[] classes = new int[Samples];
for (int i = 0; i < Samples; i++)
{
    classes[i] = random.Next(Classes);
    Span<float> row = x.AsSpan(i * Features, Features);
    TensorPrimitives.Add(row, centers.AsSpan(classes[i] * Features, Features), row);
}

float[] classWeights = new float[Classes * Features], scores = new float[Samples * Classes], scoreGradient = new float[Samples * Classes];
Console.WriteLine($"Softmax regression: {Classes} classes, confidence penalty 0.1");
for (int epoch = 1; epoch <= Epochs; epoch++)
{
    for (int i = 0; i < Samples; i++)
    {
        for (int c = 0; c < Classes; c++)
        {
            scores[i * Classes + c] = TensorPrimitives.Dot(x.AsSpan(i * Features, Features), classWeights.AsSpan(c * Features, Features));
        }
    }

    float loss = SampleLosses.ConfidencePenalizedCrossEntropyWithGradient(scores, classes, scoreGradient, rowLength: Classes, beta: 0.1);
    for (int i = 0; i < Samples; i++)
    {
        for (int c = 0; c < Classes; c++)
        {
            TensorPrimitives.MultiplyAdd(x.AsSpan(i * Features, Features), -LearningRate * scoreGradient[i * Classes + c], classWeights.AsSpan(c * Features, Features), classWeights.AsSpan(c * Features, Features));
        }
    }

    if (epoch == 1 || epoch % 5 == 0)
    {
        int correct = Enumerable.Range(0, Samples).Count(i => TensorPrimitives.IndexOfMax(scores.AsSpan(i * Classes, Classes)) == classes[i]);
        Console.WriteLine($"epoch {epoch,2}: loss {loss:F4}  accuracy {100.0 * correct / Samples:F1}%");
    }
}

// The generated kernel next to the loop a person would write, on 4M elements (median of 15 runs).
const int N = 1 << 22;
float[] z = Enumerable.Range(0, N).Select(_ => (float)(random.NextDouble() * 8 - 4)).ToArray();
float[] y = Enumerable.Range(0, N).Select(_ => (float)random.Next(2)).ToArray();
float[] g = new float[N];
double generated = Median(() => SampleLosses.SmoothedLogisticWithGradient(z, y, g, Smoothing));
double naive = Median(() => NaiveSmoothedLogistic(z, y, g, Smoothing));
Console.WriteLine($"loss + gradient on {N:N0} floats: generated kernel {generated:F2} ms, naive loop {naive:F2} ms ({naive / generated:F1}x)");

static float NaiveSmoothedLogistic(float[] logits, float[] labels, float[] gradient, float smoothing)
{
    float sum = 0;
    for (int i = 0; i < logits.Length; i++)
    {
        float target = labels[i] * (1 - smoothing) + 0.5f * smoothing;
        float logit = logits[i];
        sum += MathF.Max(logit, 0) + MathF.Log(1 + MathF.Exp(-MathF.Abs(logit))) - target * logit;
        gradient[i] = (1 / (1 + MathF.Exp(-logit)) - target) / logits.Length;
    }

    return sum / logits.Length;
}

static double Median(Func<float> run)
{
    double[] times = new double[15];
    run();
    for (int k = 0; k < times.Length; k++)
    {
        long start = Stopwatch.GetTimestamp();
        run();
        times[k] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    Array.Sort(times);
    return times[times.Length / 2];
}
