using System;
using System.Collections.Generic;
using System.Linq;
using LossGen.Kernels;
using LossGen.Tests.Infrastructure;
using Xunit;

namespace LossGen.Tests.Gan;

/// <summary>
/// The GAN losses over spans of real and fake samples: the sum of their generated pieces (bit for bit in float and
/// double), a double reference, spans of different and zero lengths, Half, bad input and allocations.
/// </summary>
[Collection(VectorWidthCollection.Name)]
public sealed class GanSpanTests
{
    public enum Kind
    {
        Standard,
        Wasserstein,
        LeastSquares,
    }

    private static double Softplus(double x) => Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x)));

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>Loss and gradients in double, from the definitions.</summary>
    private static (double Loss, double[] RealGradient, double[] FakeGradient) Reference(Kind kind, double[] real, double[] fake, Reduction reduction)
    {
        double sr = reduction == Reduction.Mean ? 1.0 / real.Length : 1, sf = reduction == Reduction.Mean ? 1.0 / fake.Length : 1;
        return kind switch
        {
            Kind.Standard => (real.Sum(r => Softplus(-r)) * sr + fake.Sum(Softplus) * sf,
                real.Select(r => -Sigmoid(-r) * sr).ToArray(), fake.Select(f => Sigmoid(f) * sf).ToArray()),
            Kind.Wasserstein => (fake.Sum() * sf - real.Sum() * sr, real.Select(_ => -sr).ToArray(), fake.Select(_ => sf).ToArray()),
            _ => (real.Sum(r => 0.5 * (r - 1) * (r - 1)) * sr + fake.Sum(f => 0.5 * f * f) * sf,
                real.Select(r => (r - 1) * sr).ToArray(), fake.Select(f => f * sf).ToArray()),
        };
    }

    private static object Call(Kind kind, Array real, Array fake, Array? realGradient, Array? fakeGradient, Reduction reduction) => (kind, real, fake) switch
    {
        (Kind.Standard, float[] r, float[] f) => realGradient is null ? Losses.GanDiscriminator(r, f, reduction) : Losses.GanDiscriminatorWithGradient(r, f, (float[])realGradient, (float[])fakeGradient!, reduction),
        (Kind.Standard, double[] r, double[] f) => realGradient is null ? Losses.GanDiscriminator(r, f, reduction) : Losses.GanDiscriminatorWithGradient(r, f, (double[])realGradient, (double[])fakeGradient!, reduction),
        (Kind.Standard, Half[] r, Half[] f) => realGradient is null ? Losses.GanDiscriminator(r, f, reduction) : Losses.GanDiscriminatorWithGradient(r, f, (Half[])realGradient, (Half[])fakeGradient!, reduction),
        (Kind.Wasserstein, float[] r, float[] f) => realGradient is null ? Losses.WassersteinCritic(r, f, reduction) : Losses.WassersteinCriticWithGradient(r, f, (float[])realGradient, (float[])fakeGradient!, reduction),
        (Kind.Wasserstein, double[] r, double[] f) => realGradient is null ? Losses.WassersteinCritic(r, f, reduction) : Losses.WassersteinCriticWithGradient(r, f, (double[])realGradient, (double[])fakeGradient!, reduction),
        (Kind.Wasserstein, Half[] r, Half[] f) => realGradient is null ? Losses.WassersteinCritic(r, f, reduction) : Losses.WassersteinCriticWithGradient(r, f, (Half[])realGradient, (Half[])fakeGradient!, reduction),
        (Kind.LeastSquares, float[] r, float[] f) => realGradient is null ? Losses.LeastSquaresGanDiscriminator(r, f, reduction) : Losses.LeastSquaresGanDiscriminatorWithGradient(r, f, (float[])realGradient, (float[])fakeGradient!, reduction),
        (Kind.LeastSquares, double[] r, double[] f) => realGradient is null ? Losses.LeastSquaresGanDiscriminator(r, f, reduction) : Losses.LeastSquaresGanDiscriminatorWithGradient(r, f, (double[])realGradient, (double[])fakeGradient!, reduction),
        (Kind.LeastSquares, Half[] r, Half[] f) => realGradient is null ? Losses.LeastSquaresGanDiscriminator(r, f, reduction) : Losses.LeastSquaresGanDiscriminatorWithGradient(r, f, (Half[])realGradient, (Half[])fakeGradient!, reduction),
        _ => throw new ArgumentException("Unsupported element type."),
    };

    /// <summary>The two generated pieces, each with its gradient.</summary>
    private static (object Real, object Fake) Pieces(Kind kind, Array real, Array fake, Array realGradient, Array fakeGradient, Reduction reduction) => (kind, real, fake) switch
    {
        (Kind.Standard, float[] r, float[] f) => (Losses.GanDiscriminatorRealWithGradient(r, (float[])realGradient, reduction), Losses.GanDiscriminatorFakeWithGradient(f, (float[])fakeGradient, reduction)),
        (Kind.Standard, double[] r, double[] f) => (Losses.GanDiscriminatorRealWithGradient(r, (double[])realGradient, reduction), Losses.GanDiscriminatorFakeWithGradient(f, (double[])fakeGradient, reduction)),
        (Kind.Standard, Half[] r, Half[] f) => (Losses.GanDiscriminatorRealWithGradient(r, (Half[])realGradient, reduction), Losses.GanDiscriminatorFakeWithGradient(f, (Half[])fakeGradient, reduction)),
        (Kind.Wasserstein, float[] r, float[] f) => (Losses.WassersteinCriticRealWithGradient(r, (float[])realGradient, reduction), Losses.WassersteinCriticFakeWithGradient(f, (float[])fakeGradient, reduction)),
        (Kind.Wasserstein, double[] r, double[] f) => (Losses.WassersteinCriticRealWithGradient(r, (double[])realGradient, reduction), Losses.WassersteinCriticFakeWithGradient(f, (double[])fakeGradient, reduction)),
        (Kind.Wasserstein, Half[] r, Half[] f) => (Losses.WassersteinCriticRealWithGradient(r, (Half[])realGradient, reduction), Losses.WassersteinCriticFakeWithGradient(f, (Half[])fakeGradient, reduction)),
        (Kind.LeastSquares, float[] r, float[] f) => (Losses.LeastSquaresGanRealWithGradient(r, (float[])realGradient, reduction), Losses.LeastSquaresGanFakeWithGradient(f, (float[])fakeGradient, reduction)),
        (Kind.LeastSquares, double[] r, double[] f) => (Losses.LeastSquaresGanRealWithGradient(r, (double[])realGradient, reduction), Losses.LeastSquaresGanFakeWithGradient(f, (double[])fakeGradient, reduction)),
        (Kind.LeastSquares, Half[] r, Half[] f) => (Losses.LeastSquaresGanRealWithGradient(r, (Half[])realGradient, reduction), Losses.LeastSquaresGanFakeWithGradient(f, (Half[])fakeGradient, reduction)),
        _ => throw new ArgumentException("Unsupported element type."),
    };

    private static double[] Random(int seed, int length, double scale = 4) { var r = new Random(seed); return Enumerable.Range(0, length).Select(_ => scale * (2 * r.NextDouble() - 1)).ToArray(); }

    public static TheoryData<Kind, string, int, int> Cases()
    {
        var data = new TheoryData<Kind, string, int, int>();
        foreach (Kind kind in Enum.GetValues<Kind>())
            foreach (Type element in Data.ElementTypes)
                foreach ((int nr, int nf) in new[] { (64, 64), (37, 5), (1, 300), (3000, 1500) })
                    data.Add(kind, element.Name, nr, nf);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Equals_the_sum_of_its_pieces_and_the_definition(Kind kind, string elementName, int realCount, int fakeCount)
    {
        Type element = Data.ElementTypes.Single(t => t.Name == elementName);
        double[] real = Data.ToDouble(Data.ToArray(element, Random(realCount, realCount)));
        double[] fake = Data.ToDouble(Data.ToArray(element, Random(fakeCount + 7, fakeCount)));
        (double relative, double absolute) = Data.Tolerance(element);
        foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum })
        {
            Array r = Data.ToArray(element, real), f = Data.ToArray(element, fake);
            Array rg = Data.Filled(element, realCount, double.NaN), fg = Data.Filled(element, fakeCount, double.NaN);
            Array prg = Data.Filled(element, realCount, double.NaN), pfg = Data.Filled(element, fakeCount, double.NaN);
            object loss = Call(kind, r, f, rg, fg, reduction);
            object lossOnly = Call(kind, r, f, null, null, reduction);
            (object pr, object pf) = Pieces(kind, r, f, prg, pfg, reduction);
            Assert.Equal(Data.Bits(loss), Data.Bits(lossOnly));

            // The gradients are the pieces' gradients, bit for bit, in every type.
            Assert.Equal(Data.Bits(prg), Data.Bits(rg));
            Assert.Equal(Data.Bits(pfg), Data.Bits(fg));
            double sumOfPieces = Data.ToDouble(pr) + Data.ToDouble(pf);
            if (element == typeof(Half))
                Assert.True(Data.Close(sumOfPieces, Data.ToDouble(loss), relative, absolute, Math.Max(1, Math.Abs(sumOfPieces))), $"{reduction}: {loss} vs pieces {sumOfPieces}");
            else
                Assert.Equal(Data.Bits(element == typeof(float) ? (object)(float)sumOfPieces : sumOfPieces), Data.Bits(loss));

            (double expected, double[] er, double[] ef) = Reference(kind, real, fake, reduction);
            double scale = Math.Max(1, Math.Abs(expected));
            Assert.True(Data.Close(expected, Data.ToDouble(loss), relative, absolute, scale), $"{reduction}: {loss} vs reference {expected:R}");
            double[] ar = Data.ToDouble(rg), af = Data.ToDouble(fg);
            for (int i = 0; i < realCount; i++) Assert.True(Data.Close(er[i], ar[i], relative, absolute), $"real gradient {i}: {ar[i]:R} vs {er[i]:R}");
            for (int i = 0; i < fakeCount; i++) Assert.True(Data.Close(ef[i], af[i], relative, absolute), $"fake gradient {i}: {af[i]:R} vs {ef[i]:R}");
        }
    }

    [Fact]
    public void Known_values_worked_out_by_hand()
    {
        // At logit 0 each BCE term is log 2 and the gradients are ∓½ over the span's length.
        var rg = new double[2];
        var fg = new double[4];
        Assert.Equal(2 * Math.Log(2), Losses.GanDiscriminatorWithGradient([0.0, 0.0], [0.0, 0.0, 0.0, 0.0], rg, fg), 15);
        Assert.Equal([-0.25, -0.25], rg);
        Assert.Equal([0.125, 0.125, 0.125, 0.125], fg);
        // mean(fake) − mean(real) = 2 − 5
        Assert.Equal(-3.0, Losses.WassersteinCritic([4.0, 6.0], [1.0, 2.0, 3.0]));
        Assert.Equal(-10.0 + 6.0, Losses.WassersteinCritic([4.0, 6.0], [1.0, 2.0, 3.0], Reduction.Sum));
        // ½·mean((r − 1)²) + ½·mean(f²) = ½·(0 + 4)/2 + ½·(1 + 9)/2
        Assert.Equal(1.0 + 2.5, Losses.LeastSquaresGanDiscriminator([1.0, 3.0], [1.0, -3.0]));
    }

    [Fact]
    public void GanGenerator_is_the_non_saturating_generator_loss()
    {
        double[] x = Random(5, 333, 8);
        float[] xf = x.Select(v => (float)v).ToArray();
        Half[] xh = x.Select(v => (Half)v).ToArray();
        foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum })
        {
            double[] g1 = new double[x.Length], g2 = new double[x.Length];
            Assert.Equal(Losses.GanGeneratorNonSaturatingWithGradient(x, g1, reduction), Losses.GanGeneratorWithGradient(x, g2, reduction));
            Assert.Equal(g1, g2);
            Assert.Equal(Losses.GanGeneratorNonSaturating(xf, reduction), Losses.GanGenerator(xf, reduction));
            Half[] h1 = new Half[x.Length], h2 = new Half[x.Length];
            Assert.Equal(Losses.GanGeneratorNonSaturatingWithGradient(xh, h1, reduction), Losses.GanGeneratorWithGradient(xh, h2, reduction));
            Assert.Equal(h1, h2);
            double scale = reduction == Reduction.Mean ? 1.0 / x.Length : 1;
            Assert.Equal(x.Sum(v => Softplus(-v)) * scale, Losses.GanGenerator(x, reduction), 1e-12);
            for (int i = 0; i < x.Length; i++) Assert.Equal(-Sigmoid(-x[i]) * scale, g2[i], 1e-15);
        }
    }

    [Fact]
    public void GanGenerator_errors_name_its_own_parameters()
    {
        double[] x = [0.5, -1, 2], g = [9, 9];
        var e = Assert.Throws<ArgumentException>(() => Losses.GanGeneratorWithGradient(x, g));
        Assert.Equal("fakeLogitsGradient", e.ParamName);
        Assert.Contains("'fakeLogits'", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("'logits", e.Message, StringComparison.Ordinal);
        Assert.Equal([9.0, 9.0], g);
        float[] xf = [0.5f], gf = [];
        Assert.Equal("fakeLogitsGradient", Assert.Throws<ArgumentException>(() => Losses.GanGeneratorWithGradient(xf, gf)).ParamName);
        Half[] xh = [(Half)0.5f], gh = [];
        Assert.Equal("fakeLogitsGradient", Assert.Throws<ArgumentException>(() => Losses.GanGeneratorWithGradient(xh, gh)).ParamName);
    }

    [Fact]
    public void An_empty_span_makes_the_mean_NaN_and_adds_nothing_to_the_sum()
    {
        double[] real = [1.0, -2.0];
        Assert.True(double.IsNaN(Losses.GanDiscriminator(real, ReadOnlySpan<double>.Empty)));
        Assert.Equal(Losses.GanDiscriminatorReal(real, Reduction.Sum), Losses.GanDiscriminator(real, ReadOnlySpan<double>.Empty, Reduction.Sum));
        Assert.True(Half.IsNaN(Losses.WassersteinCritic(ReadOnlySpan<Half>.Empty, [(Half)1])));
        Assert.Equal(0f, Losses.LeastSquaresGanDiscriminator(ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty, Reduction.Sum));
    }

    [Fact]
    public void Every_vector_width_gives_the_same_bits()
    {
        double[] real = Random(1, 1500), fake = Random(2, 777);
        using (VectorWidth.Restored())
        {
            foreach (Kind kind in Enum.GetValues<Kind>())
            {
                foreach (Type element in Data.ElementTypes)
                {
                    long[]? first = null;
                    foreach (int bits in new[] { 512, 256, 128, 0 })
                    {
                        VectorPaths.MaxBits = bits;
                        Array rg = Data.Filled(element, real.Length, 0), fg = Data.Filled(element, fake.Length, 0);
                        object loss = Call(kind, Data.ToArray(element, real), Data.ToArray(element, fake), rg, fg, Reduction.Mean);
                        long[] all = [Data.Bits(loss), .. Data.Bits(rg), .. Data.Bits(fg)];
                        first ??= all;
                        Assert.True(first.SequenceEqual(all), $"{kind} {element.Name}: {bits}-bit differs");
                    }
                }
            }
        }
    }

    [Fact]
    public void A_gradient_may_be_its_own_input()
    {
        float[] real = Random(3, 50).Select(v => (float)v).ToArray(), fake = Random(4, 70).Select(v => (float)v).ToArray();
        float[] rg = new float[real.Length], fg = new float[fake.Length];
        float expected = Losses.GanDiscriminatorWithGradient(real, fake, rg, fg);
        Assert.Equal(expected, Losses.GanDiscriminatorWithGradient(real, fake, real, fake));
        Assert.Equal(rg, real);
        Assert.Equal(fg, fake);
    }

    public static TheoryData<string> BadInputs() => ["real gradient length", "fake gradient length", "real gradient over fake", "fake gradient over real", "gradients overlap", "bad reduction"];

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Bad_input_throws_before_anything_is_written(string which)
    {
        var buffer = Enumerable.Range(0, 40).Select(i => (double)i).ToArray();
        double[] original = (double[])buffer.Clone();
        Memory<double> real = buffer.AsMemory(0, 10), fake = buffer.AsMemory(10, 10);
        Memory<double> realGradient = buffer.AsMemory(20, 10), fakeGradient = buffer.AsMemory(30, 10);
        var reduction = Reduction.Mean;
        string expectParam;
        switch (which)
        {
            case "real gradient length": realGradient = buffer.AsMemory(20, 9); expectParam = "realLogitsGradient"; break;
            case "fake gradient length": fakeGradient = buffer.AsMemory(30, 10 - 1); expectParam = "fakeLogitsGradient"; break;
            case "real gradient over fake": realGradient = buffer.AsMemory(15, 10); expectParam = "realLogitsGradient"; break;
            case "fake gradient over real": fakeGradient = buffer.AsMemory(5, 10); expectParam = "fakeLogitsGradient"; break;
            case "gradients overlap": fakeGradient = buffer.AsMemory(25, 10); expectParam = "fakeLogitsGradient"; break;
            default: reduction = (Reduction)3; expectParam = "reduction"; break;
        }
        var exceptions = new List<ArgumentException>
        {
            Assert.ThrowsAny<ArgumentException>(() => Losses.GanDiscriminatorWithGradient(real.Span, fake.Span, realGradient.Span, fakeGradient.Span, reduction)),
        };
        var ws = Assert.ThrowsAny<ArgumentException>(() => Losses.WassersteinCriticWithGradient(real.Span, fake.Span, realGradient.Span, fakeGradient.Span, reduction));
        Assert.Equal(expectParam.Replace("Logits", "Scores"), ws.ParamName);
        if (which == "bad reduction") exceptions.Add(Assert.ThrowsAny<ArgumentException>(() => Losses.GanDiscriminator(real.Span, fake.Span, reduction)));
        Assert.All(exceptions, e => Assert.Equal(expectParam, e.ParamName));
        Assert.Equal(original, buffer);
        var hr = new Half[10];
        var hg = Enumerable.Repeat((Half)7, 9).ToArray();
        var hfg = Enumerable.Repeat((Half)7, 10).ToArray();
        Assert.Throws<ArgumentException>(() => Losses.LeastSquaresGanDiscriminatorWithGradient(hr, hr.AsSpan(0, 10), hg, hfg));
        Assert.All(hg, v => Assert.Equal((Half)7, v));
        Assert.All(hfg, v => Assert.Equal((Half)7, v));
    }

    [Fact]
    public void Repeated_calls_allocate_nothing()
    {
        double[] real = Random(6, 2500), fake = Random(7, 1300);
        float[] rf = real.Select(v => (float)v).ToArray(), ff = fake.Select(v => (float)v).ToArray();
        Half[] rh = real.Select(v => (Half)v).ToArray(), fh = fake.Select(v => (Half)v).ToArray();
        double[] rgd = new double[real.Length], fgd = new double[fake.Length];
        float[] rgf = new float[real.Length], fgf = new float[fake.Length];
        Half[] rgh = new Half[real.Length], fgh = new Half[fake.Length];
        double sink = 0;
        void All()
        {
            sink += Losses.GanDiscriminatorWithGradient(real, fake, rgd, fgd);
            sink += Losses.WassersteinCritic(rf, ff);
            sink += Losses.LeastSquaresGanDiscriminatorWithGradient(rf, ff, rgf, fgf, Reduction.Sum);
            sink += (double)Losses.GanDiscriminatorWithGradient(rh, fh, rgh, fgh);
            sink += (double)Losses.WassersteinCritic(rh, fh);
            sink += (double)Losses.GanGeneratorWithGradient(fh, fgh);
        }
        Allocations.AssertNoneInSteadyState(All, calls: 5);
        Assert.True(double.IsFinite(sink));
    }
}
