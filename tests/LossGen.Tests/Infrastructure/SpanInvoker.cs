using System;
using System.Reflection;
using System.Reflection.Emit;

namespace LossGen.Tests.Infrastructure;

/// <summary>
/// Calls a method whose parameters are spans, with arrays in their place. Reflection cannot pass
/// spans, and the tests want to reach every generated overload of every loss without a hand-written
/// line per loss and element type.
/// </summary>
internal static class SpanInvoker
{
    public static Func<object?[], object?> Create(MethodInfo method)
    {
        var dynamic = new DynamicMethod("Invoke" + method.Name, typeof(object), [typeof(object?[])], typeof(SpanInvoker).Module, skipVisibility: true);
        ILGenerator il = dynamic.GetILGenerator();
        ParameterInfo[] parameters = method.GetParameters();
        for (int i = 0; i < parameters.Length; i++)
        {
            Type type = parameters[i].ParameterType;
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Ldc_I4, i);
            il.Emit(OpCodes.Ldelem_Ref);
            if (type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(Span<>) || type.GetGenericTypeDefinition() == typeof(ReadOnlySpan<>)))
            {
                Type array = type.GetGenericArguments()[0].MakeArrayType();
                il.Emit(OpCodes.Castclass, array);
                il.Emit(OpCodes.Call, type.GetMethod("op_Implicit", [array])!);
            }
            else
            {
                il.Emit(OpCodes.Unbox_Any, type);
            }
        }

        il.Emit(OpCodes.Call, method);
        if (method.ReturnType == typeof(void))
        {
            il.Emit(OpCodes.Ldnull);
        }
        else
        {
            il.Emit(OpCodes.Box, method.ReturnType);
        }

        il.Emit(OpCodes.Ret);
        return dynamic.CreateDelegate<Func<object?[], object?>>();
    }
}
