using LossGen;
using static LossGen.LossMath;

namespace LogisticRegression;

/// <summary>A loss declared by the user: LossGen generates its fused forward/backward kernels at compile time.</summary>
public static partial class SampleLosses
{
    /// <summary>
    /// Logistic loss from a logit, with label smoothing: labels 0/1 are pulled towards ½ by
    /// <paramref name="smoothing"/>, then the binary cross-entropy softplus(z) − y·z is taken.
    /// </summary>
    [Loss]
    public static double SmoothedLogistic(double logit, [Target] double label, [Hyper] double smoothing = 0.1)
    {
        var y = label * (1 - smoothing) + 0.5 * smoothing;
        return Softplus(logit) - y * logit;
    }

    /// <summary>
    /// Cross-entropy with a confidence penalty (Pereyra et al. 2017): the usual LogSumExp(z) − z[label], minus
    /// beta times the entropy of the predicted distribution, so the model is discouraged from overconfidence.
    /// A row formula: one row of class scores per sample.
    /// </summary>
    [Loss]
    public static double ConfidencePenalizedCrossEntropy(Row logits, int label, [Hyper] double beta = 0.1)
    {
        var lse = LogSumExp(logits);
        var entropy = lse - Dot(Softmax(logits), logits);
        return lse - logits[label] - beta * entropy;
    }
}
