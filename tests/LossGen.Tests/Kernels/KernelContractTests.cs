using System;
using System.Linq;
using System.Reflection;
using LossGen.Kernels;
using Xunit;

namespace LossGen.Tests.Kernels;

/// <summary>
/// The runtime's shapes that carry a limit of <see cref="KernelContract"/> in their types agree with it, so a change of
/// the contract that forgets one of them fails here rather than in a user's build.
/// </summary>
public sealed class KernelContractTests
{
    [Fact]
    public void Kernel_interfaces_take_as_many_vectors_as_a_formula_has_inputs()
    {
        int Vectors(Type type, string method, string prefix) => type.GetMethod(method)!.GetParameters().Count(p => p.Name!.StartsWith(prefix, StringComparison.Ordinal) && p.Name.Length == prefix.Length + 1);
        Assert.Equal(KernelContract.MaxInputs, Vectors(typeof(IElementwiseKernel<float>), nameof(IElementwiseKernel<float>.Loss), "x"));
        Assert.Equal(KernelContract.MaxInputs, Vectors(typeof(IElementwiseKernel<float>), nameof(IElementwiseKernel<float>.LossAndGradient), "g"));
        Assert.Equal(KernelContract.MaxInputs, Vectors(typeof(IRowKernel<float>), nameof(IRowKernel<float>.Accumulate), "x"));
        Assert.Equal(KernelContract.MaxInputs, Vectors(typeof(IRowKernel<float>), nameof(IRowKernel<float>.Gradient), "g"));
    }

    [Fact]
    public void The_row_engine_has_a_pass_type_for_every_pass_and_its_state_the_contracts_sizes()
    {
        Type[] passes = typeof(IRowPass).Assembly.GetTypes().Where(t => t.IsValueType && typeof(IRowPass).IsAssignableFrom(t)).ToArray();
        Assert.Equal(Enumerable.Range(0, KernelContract.MaxRowPasses).Select(k => "RowPass" + k).Order(), passes.Select(t => t.Name).Order());
        Assert.Equal(KernelContract.MaxRowReductions, RowState<float>.MaxReductions);
        Assert.Equal(KernelContract.MaxRowSlots, RowState<float>.MaxScalars);
    }

    [Fact]
    public void Element_type_flags_and_epsilon_are_the_contracts()
    {
        Assert.Equal(KernelContract.SingleFlag, (int)LossElementTypes.Single);
        Assert.Equal(KernelContract.DoubleFlag, (int)LossElementTypes.Double);
        Assert.Equal(KernelContract.HalfFlag, (int)LossElementTypes.Half);
        Assert.Equal(KernelContract.AllElementTypes, (int)LossElementTypes.All);
        Assert.Equal(KernelContract.EpsilonDouble, LossMath.Epsilon);
    }
}
