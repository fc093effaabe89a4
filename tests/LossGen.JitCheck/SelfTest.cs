using System;
using System.Collections.Generic;
using System.Linq;

namespace LossGen.JitCheck;

/// <summary>
/// <c>selftest</c>: the checker on small hand-written listings in the JIT's format, so a change to the parser that
/// stops it seeing calls in loops (or starts reporting calls outside them) fails before it is trusted with real output.
/// </summary>
internal static class SelfTest
{
    private const string Header = "; Assembly listing for method N.C:M(int):int ({0})\n; {0} code\n; optimized code\n\n";
    private const string Footer = "; Total bytes of code 100\n\n";

    private static string Listing(string tier, string body)
        => string.Format(System.Globalization.CultureInfo.InvariantCulture, Header, tier) + body + "\n" + Footer;

    private static readonly (string Name, string Text, string[] Expected)[] Cases =
    [
        ("a call in a loop",
            Listing("Tier1", """
                G_M000_IG01:
                       push     rbp
                G_M000_IG02:
                       call     [N.C:F(int):int]
                       dec      edi
                       jne      SHORT G_M000_IG02
                G_M000_IG03:
                       call     [N.C:After():int]
                       ret
                """),
            ["N.C:F(int):int innermost"]),
        ("a call in a cold block of a loop, placed after the return",
            Listing("FullOpts", """
                G_M000_IG01:
                       push     rbp
                G_M000_IG02:
                       test     eax, eax
                       je       G_M000_IG05
                G_M000_IG03:
                       dec      edi
                       jne      SHORT G_M000_IG02
                G_M000_IG04:
                       ret
                G_M000_IG05:
                       call     [N.C:Cold()]
                       jmp      SHORT G_M000_IG03
                """),
            ["N.C:Cold() innermost"]),
        ("a jump back that is no loop (a class initializer called out of line), throw helpers in a loop",
            Listing("FullOpts", """
                G_M000_IG01:
                       test     byte  ptr [(reloc 0x1)], 1
                       je       SHORT G_M000_IG05
                G_M000_IG02:
                       cmp      eax, 10
                       jae      SHORT G_M000_IG06
                       call     [System.ThrowHelper:ThrowArgumentException(int)]
                       call     [System.ArgumentOutOfRangeException:ThrowIfNegative[int](int,System.String)]
                       dec      edi
                       jne      SHORT G_M000_IG02
                G_M000_IG04:
                       ret
                G_M000_IG05:
                       call     [CORINFO_HELP_GET_NONGCSTATIC_BASE]
                       jmp      SHORT G_M000_IG02
                G_M000_IG06:
                       call     CORINFO_HELP_RNGCHKFAIL
                       int3
                """),
            []),
        ("nested loops: a call between them is in the outer loop, one inside in the inner",
            Listing("Tier1", """
                G_M000_IG01:
                       push     rbp
                G_M000_IG02:
                       call     [N.C:PerBlock()]
                G_M000_IG03:
                       call     [N.C:PerElement()]
                       dec      esi
                       jne      SHORT G_M000_IG03
                G_M000_IG04:
                       dec      edi
                       jne      SHORT G_M000_IG02
                G_M000_IG05:
                       ret
                """),
            ["N.C:PerBlock() outer", "N.C:PerElement() innermost"]),
        ("the last steady-state compilation is checked: tier 1 over tier 0 and OSR",
            Listing("Tier0", """
                G_M000_IG01:
                       call     [N.C:Tier0Only()]
                       jmp      SHORT G_M000_IG01
                """)
            + Listing("Tier1-OSR", """
                G_M000_IG01:
                       call     [N.C:OsrOnly()]
                       jmp      SHORT G_M000_IG01
                """)
            + Listing("Tier1", """
                G_M000_IG01:
                       call     [N.C:Tier1()]
                       jmp      SHORT G_M000_IG01
                """),
            ["N.C:Tier1() innermost"]),
    ];

    public static int Run()
    {
        int failures = 0;
        foreach ((string name, string text, string[] expected) in Cases)
        {
            CheckResult result = DisasmCheck.Check(text.Split('\n'), []);
            string[] actual = [.. result.Violations.Select(c => $"{c.Callee} {(c.Innermost ? "innermost" : "outer")}").Order(StringComparer.Ordinal)];
            bool ok = actual.SequenceEqual(expected.Order(StringComparer.Ordinal)) && result.Errors.Count == 0;
            Console.WriteLine($"{(ok ? "ok  " : "FAIL")} {name}{(ok ? "" : $": expected [{string.Join("; ", expected)}], got [{string.Join("; ", actual)}]; errors [{string.Join("; ", result.Errors)}]")}");
            failures += ok ? 0 : 1;
        }

        // Interleaved output (two compilations printing at once) is an error, not a silent pass.
        CheckResult interleaved = DisasmCheck.Check(
            ("; Assembly listing for method N.C:A() (Tier1)\nG_M000_IG01:\n" + Listing("Tier1", "G_M000_IG01:\n       ret\n")).Split('\n'), []);
        bool interleavedOk = interleaved.Errors.Count == 1;
        Console.WriteLine($"{(interleavedOk ? "ok  " : "FAIL")} interleaved listings are an error");
        failures += interleavedOk ? 0 : 1;

        List<AllowRule> allow = [AllowRule.Parse(@"N\.C:M::N\.C:F\(")];
        CheckResult allowed = DisasmCheck.Check(Cases[0].Text.Split('\n'), allow);
        bool allowOk = allowed.Violations.Count == 0 && allowed.Allowed.Count == 1;
        Console.WriteLine($"{(allowOk ? "ok  " : "FAIL")} an allowed callee is listed, not a violation");
        failures += allowOk ? 0 : 1;

        Console.WriteLine(failures == 0 ? "selftest: all passed" : $"selftest: {failures} failed");
        return failures == 0 ? 0 : 1;
    }
}
