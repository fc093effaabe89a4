using System;
using System.Collections.Generic;

namespace LossGen.Tests.Ctc;

/// <summary>Reference computations for the CTC tests: brute force over every alignment, and random problems.</summary>
internal static class CtcOracle
{
    /// <summary>
    /// -log of the sum, over every path of length <paramref name="inLen"/> over the classes that collapses to
    /// <paramref name="target"/> (merge repeats, drop blanks), of the product of the path's probabilities.
    /// Enumerates all C^T paths: for tiny problems only.
    /// </summary>
    public static double BruteForce(double[] logProbs, int n, int c, int b, int inLen, ReadOnlySpan<int> target, int blank)
    {
        if (inLen == 0) return target.Length == 0 ? 0.0 : double.PositiveInfinity;
        var path = new int[inLen];
        var collapsed = new List<int>(inLen);
        double total = 0;
        long count = 1;
        for (int t = 0; t < inLen; t++) count *= c;
        for (long code = 0; code < count; code++)
        {
            long rest = code;
            for (int t = 0; t < inLen; t++) { path[t] = (int)(rest % c); rest /= c; }
            collapsed.Clear();
            int previous = -1;
            foreach (int k in path)
            {
                if (k != previous && k != blank) collapsed.Add(k);
                previous = k;
            }
            if (collapsed.Count != target.Length) continue;
            bool same = true;
            for (int i = 0; i < target.Length && same; i++) same = collapsed[i] == target[i];
            if (!same) continue;
            double logP = 0;
            for (int t = 0; t < inLen; t++) logP += logProbs[((long)t * n + b) * c + path[t]];
            total += Math.Exp(logP);
        }
        return -Math.Log(total);
    }

    /// <summary>Random [T, N, C] log-softmax rows (logits ~ U(-scale, scale)).</summary>
    public static double[] RandomLogProbs(Random rng, int time, int n, int c, double scale = 2.0)
    {
        var lp = new double[time * n * c];
        for (int row = 0; row < time * n; row++)
        {
            double max = double.NegativeInfinity;
            for (int k = 0; k < c; k++) { lp[row * c + k] = (rng.NextDouble() * 2 - 1) * scale; max = Math.Max(max, lp[row * c + k]); }
            double sum = 0;
            for (int k = 0; k < c; k++) sum += Math.Exp(lp[row * c + k] - max);
            double lse = max + Math.Log(sum);
            for (int k = 0; k < c; k++) lp[row * c + k] -= lse;
        }
        return lp;
    }

    public static double[] RandomLogits(Random rng, int length, double scale = 2.0)
    {
        var x = new double[length];
        for (int i = 0; i < x.Length; i++) x[i] = (rng.NextDouble() * 2 - 1) * scale;
        return x;
    }

    /// <summary>Random label sequence of the given length, avoiding the blank.</summary>
    public static int[] RandomLabels(Random rng, int length, int c, int blank)
    {
        var labels = new int[length];
        for (int i = 0; i < length; i++)
        {
            int k = rng.Next(c - 1);
            labels[i] = k >= blank ? k + 1 : k;
        }
        return labels;
    }

    /// <summary>A random batch with concatenated targets, each target no longer than its input.</summary>
    public static (double[] Lp, int[] Labels, int[] InLens, int[] TgtLens) RandomBatch(
        Random rng, int time, int n, int c, int maxTarget, int blank = 0, bool fullLengths = false)
    {
        var lp = RandomLogProbs(rng, time, n, c);
        var inLens = new int[n];
        var tgtLens = new int[n];
        var labels = new List<int>();
        for (int b = 0; b < n; b++)
        {
            inLens[b] = fullLengths ? time : rng.Next(Math.Max(1, time / 2), time + 1);
            tgtLens[b] = rng.Next(0, Math.Min(maxTarget, inLens[b]) + 1);
            labels.AddRange(RandomLabels(rng, tgtLens[b], c, blank));
        }
        return (lp, labels.ToArray(), inLens, tgtLens);
    }

    /// <summary>Padded [N, S] copy of concatenated targets, padding filled with <paramref name="pad"/>.</summary>
    public static int[] ToPadded(int[] concatenated, int[] tgtLens, int width, int pad)
    {
        var padded = new int[tgtLens.Length * width];
        Array.Fill(padded, pad);
        int offset = 0;
        for (int b = 0; b < tgtLens.Length; b++)
        {
            Array.Copy(concatenated, offset, padded, b * width, tgtLens[b]);
            offset += tgtLens[b];
        }
        return padded;
    }

    public static double RelativeError(double actual, double expected)
    {
        if (actual == expected) return 0; // includes equal infinities
        return Math.Abs(actual - expected) / Math.Max(Math.Abs(expected), 1e-300);
    }

    private static double LogAdd(double a, double b)
    {
        double m = Math.Max(a, b);
        return double.IsNegativeInfinity(m) ? m : m + Math.Log(Math.Exp(a - m) + Math.Exp(b - m));
    }

    /// <summary>
    /// A plain scalar log-space forward-backward for one sample (full tables, Math.Exp/Math.Log): the loss and
    /// the true gradient with respect to the log-probabilities (added into <paramref name="grad"/> times
    /// <paramref name="scale"/>). For sizes beyond the brute force.
    /// </summary>
    public static double ScalarReference(double[] lp, int n, int c, int b, int inLen, ReadOnlySpan<int> target, int blank,
        double[]? grad, double scale)
    {
        int sl = 2 * target.Length + 1;
        if (inLen == 0) return target.Length == 0 ? 0 : double.PositiveInfinity;
        var ext = new int[sl];
        for (int s = 0; s < sl; s++) ext[s] = s % 2 == 0 ? blank : target[s / 2];
        double Lp(int t, int k) => lp[((long)t * n + b) * c + k];
        var alpha = new double[inLen, sl];
        var beta = new double[inLen, sl];
        for (int t = 0; t < inLen; t++)
            for (int s = 0; s < sl; s++) { alpha[t, s] = double.NegativeInfinity; beta[t, s] = double.NegativeInfinity; }
        alpha[0, 0] = Lp(0, blank);
        if (sl > 1) alpha[0, 1] = Lp(0, ext[1]);
        for (int t = 1; t < inLen; t++)
            for (int s = 0; s < sl; s++)
            {
                double v = alpha[t - 1, s];
                if (s > 0) v = LogAdd(v, alpha[t - 1, s - 1]);
                if (s > 1 && ext[s] != blank && ext[s] != ext[s - 2]) v = LogAdd(v, alpha[t - 1, s - 2]);
                alpha[t, s] = v + Lp(t, ext[s]);
            }
        double ll = alpha[inLen - 1, sl - 1];
        if (sl > 1) ll = LogAdd(ll, alpha[inLen - 1, sl - 2]);
        if (grad is null || double.IsNegativeInfinity(ll)) return -ll;
        beta[inLen - 1, sl - 1] = Lp(inLen - 1, ext[sl - 1]);
        if (sl > 1) beta[inLen - 1, sl - 2] = Lp(inLen - 1, ext[sl - 2]);
        for (int t = inLen - 2; t >= 0; t--)
            for (int s = 0; s < sl; s++)
            {
                double v = beta[t + 1, s];
                if (s + 1 < sl) v = LogAdd(v, beta[t + 1, s + 1]);
                if (s + 2 < sl && ext[s] != blank && ext[s] != ext[s + 2]) v = LogAdd(v, beta[t + 1, s + 2]);
                beta[t, s] = v + Lp(t, ext[s]);
            }
        for (int t = 0; t < inLen; t++)
            for (int s = 0; s < sl; s++)
            {
                double lab = alpha[t, s] + beta[t, s];
                if (double.IsNegativeInfinity(lab)) continue;
                grad[((long)t * n + b) * c + ext[s]] -= Math.Exp(lab - Lp(t, ext[s]) - ll) * scale;
            }
        return -ll;
    }
}
