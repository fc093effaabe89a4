using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace LossGen.TorchSharp;

/// <summary>
/// The autograd node of a LossGen loss. Forward runs the fused kernel, which writes the loss and the gradients in one
/// pass; the gradients are saved with the node (and freed with the graph); backward scales them by the incoming gradient.
/// </summary>
/// <remarks>
/// The saved gradient is a value, not a graph: a second derivative through a LossGen loss (<c>create_graph: true</c>, then
/// backward again) is not supported. The first-order gradient is still right under <c>create_graph</c>, and it carries no
/// graph of its own, so differentiating it alone fails in libtorch ("does not require grad"). A managed exception cannot be
/// thrown from backward: libtorch calls it from native code, where it would end the process.
/// </remarks>
internal sealed class LossFunction : autograd.SingleTensorFunction<LossFunction>
{
    private const string CallKey = "LossGen.Call";

    // Tensors handed back to libtorch from backward. Their managed handles are released at the next LossGen forward call
    // on the same thread (libtorch runs CPU backward on the calling thread), not left for the finalizer, which native
    // memory pressure never wakes, and not earlier: while a handle lives, libtorch cannot take the tensor over as .grad
    // or add into it in place, and the one handed over unscaled shares its storage with the saved gradient, which a
    // retained graph reads again. A later node's backward in the same pass must not release it either.
    [ThreadStatic]
    private static List<Tensor>? t_returned;

    public override string Name => "LossGen";

    /// <summary>Runs <paramref name="call"/> as an autograd node: the loss, wired to the call's tensors.</summary>
    public static Tensor Apply(LossCall call)
    {
        var arguments = new object[call.Tensors.Length + 1];
        arguments[0] = call;
        call.Tensors.CopyTo(arguments, 1);
        Tensor loss = apply(arguments);

        // The node holds the gradients (saved variables) and its own handle of the output: ours go now.
        foreach (Tensor? gradient in call.Gradients)
        {
            gradient?.Dispose();
        }

        call.Output?.Dispose();
        return loss;
    }

    /// <summary>
    /// Releases the managed handles of gradients backward returned on this thread (see <see cref="t_returned"/>): called at
    /// the start of a forward call, when the backward passes before it are over.
    /// </summary>
    public static void ReleaseReturnedGradients()
    {
        if (t_returned is { Count: > 0 } returned)
        {
            foreach (Tensor tensor in returned)
            {
                tensor.Dispose();
            }

            returned.Clear();
        }
    }

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var call = (LossCall)vars[0];
        Tensor output = call.Forward(withGradients: true);
        call.Output = output;
        ctx.save_for_backward(new List<Tensor>(call.Gradients!));
        ctx.save_data(CallKey, call);
        return output;
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var call = (LossCall)ctx.get_data(CallKey);
        List<Tensor> saved = ctx.get_saved_variables();
        var gradients = new List<Tensor>(call.Tensors.Length + 1) { null! }; // none for the call itself
        using (no_grad())
        {
            for (int i = 0; i < call.Tensors.Length; i++)
            {
                Tensor? gradient = saved[i];
                if (gradient is null || !call.Tensors[i].requires_grad)
                {
                    gradients.Add(null!);
                    continue;
                }

                // loss.backward() sends 1: the saved gradient is the answer, and libtorch copies it into .grad (the
                // handle kept in t_returned holds a reference, so it is never taken over and a retained graph keeps its copy).
                Tensor scaled = call.ElementwiseShape is not null ? call.Kernel.ScaleElementwiseGradient(gradient, grad_output, i)
                    : grad_output.ToDouble() == 1 ? gradient.alias()
                    : gradient * grad_output;
                (t_returned ??= []).Add(scaled);
                gradients.Add(scaled);
            }
        }

        foreach (Tensor? tensor in saved)
        {
            tensor?.Dispose();
        }

        return gradients;
    }
}
