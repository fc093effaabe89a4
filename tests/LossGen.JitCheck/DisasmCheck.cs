using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace LossGen.JitCheck;

/// <summary>One method's code as the JIT printed it (DOTNET_JitDisasm): its name, tier and lines.</summary>
internal sealed record Listing(string Method, string Tier, IReadOnlyList<string> Lines, bool Complete)
{
    /// <summary>Optimized code that runs in the steady state: tier 1 or full opts (not tier 0, not instrumented, not OSR).</summary>
    public bool IsFinal => Tier is "Tier1" or "FullOpts" or "Tier0-FullOpts" || IsMinOpts;

    /// <summary>The JIT gave up optimizing (a method too large, too many locals): steady-state code all the same.</summary>
    public bool IsMinOpts => Tier.Contains("MinOpts", StringComparison.Ordinal);

    public bool IsOsr => Tier.Contains("OSR", StringComparison.Ordinal);
}

/// <summary>A call inside a loop of a method's optimized code.</summary>
internal sealed record LoopCall(string Method, string Tier, string Callee, string LoopHeader, bool Innermost, int Depth, int Count);

/// <summary>What <see cref="DisasmCheck.Check"/> found in one JIT output file.</summary>
internal sealed class CheckResult
{
    public List<LoopCall> Violations { get; } = [];
    public List<LoopCall> Allowed { get; } = [];
    /// <summary>Methods whose only optimized code is on-stack replacement (checked anyway) or that never left tier 0 (not checked).</summary>
    public List<string> Warnings { get; } = [];
    /// <summary>Problems that make the file unreadable (interleaved listings, nothing selected).</summary>
    public List<string> Errors { get; } = [];
    public int MethodsChecked { get; set; }
}

/// <summary>One allowed callee: a regular expression over the callee, optionally only in methods matching another.</summary>
internal sealed record AllowRule(Regex? Method, Regex Callee, string Text)
{
    /// <summary>Parses "calleeRegex" or "methodRegex::calleeRegex".</summary>
    public static AllowRule Parse(string text)
    {
        int split = text.IndexOf("::", StringComparison.Ordinal);
        return split < 0
            ? new AllowRule(null, new Regex(text, RegexOptions.CultureInvariant), text)
            : new AllowRule(new Regex(text[..split], RegexOptions.CultureInvariant), new Regex(text[(split + 2)..], RegexOptions.CultureInvariant), text);
    }

    public bool Matches(string method, string callee) => (Method is null || Method.IsMatch(method)) && Callee.IsMatch(callee);
}

/// <summary>
/// Reads the JIT's disassembly (DOTNET_JitDisasm into DOTNET_JitStdOutFile), keeps each method's last steady-state
/// compilation, finds its loops (natural loops of the control-flow graph: a back edge to a block that dominates it,
/// and every block that reaches the back edge without passing the header, cold blocks placed after the method's
/// return included) and lists every call in a loop that is not a throw helper.
/// </summary>
internal static partial class DisasmCheck
{
    private const string ListingStart = "; Assembly listing for method ";
    private const string ListingEnd = "; Total bytes of code";

    /// <summary>
    /// Calls that throw: never a cost in a loop. They still fall through in the control-flow graph (ThrowIf* methods
    /// return; the JIT puts an int3 after the ones that cannot).
    /// </summary>
    [GeneratedRegex(@"CORINFO_HELP_(RNGCHKFAIL|THROW\w*|RETHROW|OVERFLOW|FAIL_FAST|VERIFICATION|STACK_PROBE_FAIL)|ThrowHelper|:Throw\w*[\(\[]", RegexOptions.CultureInvariant)]
    private static partial Regex ThrowCallee();

    [GeneratedRegex(@"^(G_M\d+_IG\d+):")]
    private static partial Regex LabelLine();

    [GeneratedRegex(@"^\s+(?<mn>[a-z][a-z0-9.]*)\s*(?<op>.*)$")]
    private static partial Regex InstructionLine();

    [GeneratedRegex(@"G_M\d+_IG\d+")]
    private static partial Regex LabelReference();

    [GeneratedRegex(@"^(?<name>.*) \((?<tier>[^()]*)\)\s*$")]
    private static partial Regex NameAndTier();

    [GeneratedRegex(@"<[A-Za-z0-9_]*>F[0-9A-F]{64}__")]
    private static partial Regex FileLocalPrefix();

    /// <summary>Splits a JIT output file into its method listings, in order.</summary>
    public static List<Listing> ReadListings(IEnumerable<string> lines, List<string> errors)
    {
        var listings = new List<Listing>();
        string? method = null, tier = null;
        List<string>? body = null;
        foreach (string line in lines)
        {
            if (line.StartsWith(ListingStart, StringComparison.Ordinal))
            {
                if (body is not null)
                {
                    errors.Add($"listing of {Shorten(method!)} ({tier}) is interrupted by another: concurrent compilations interleaved their output");
                    listings.Add(new Listing(method!, tier!, body, Complete: false));
                }

                Match m = NameAndTier().Match(line[ListingStart.Length..]);
                method = m.Success ? m.Groups["name"].Value : line[ListingStart.Length..];
                tier = m.Success ? m.Groups["tier"].Value : "?";
                body = [];
            }
            else if (body is not null)
            {
                if (line.StartsWith(ListingEnd, StringComparison.Ordinal))
                {
                    listings.Add(new Listing(method!, tier!, body, Complete: true));
                    body = null;
                }
                else
                {
                    body.Add(line);
                }
            }
        }

        if (body is not null)
        {
            errors.Add($"listing of {Shorten(method!)} ({tier}) has no end: the file is truncated");
            listings.Add(new Listing(method!, tier!, body, Complete: false));
        }

        return listings;
    }

    /// <summary>Checks every method's last steady-state listing.</summary>
    public static CheckResult Check(IEnumerable<string> lines, IReadOnlyList<AllowRule> allow)
    {
        var result = new CheckResult();
        List<Listing> listings = ReadListings(lines, result.Errors);
        if (listings.Count == 0)
        {
            result.Errors.Add("no method listings: DOTNET_JitDisasm selected nothing (or the JIT wrote elsewhere)");
        }

        foreach (IGrouping<string, Listing> method in listings.GroupBy(l => l.Method))
        {
            Listing? chosen = method.LastOrDefault(l => l.IsFinal) ?? method.LastOrDefault(l => l.IsOsr);
            if (chosen is null)
            {
                result.Warnings.Add($"never optimized (only {string.Join(", ", method.Select(l => l.Tier).Distinct())}), not checked: {Shorten(method.Key)}");
                continue;
            }

            if (chosen.IsMinOpts)
            {
                result.Warnings.Add($"compiled without optimization ({chosen.Tier}): {Shorten(method.Key)}");
            }

            if (chosen.IsOsr)
            {
                result.Warnings.Add($"only on-stack-replacement code ({method.Count(l => l.IsOsr)} variants; the last is checked): {Shorten(method.Key)}");
            }

            result.MethodsChecked++;
            foreach (LoopCall call in LoopCalls(chosen))
            {
                (allow.Any(rule => rule.Matches(call.Method, call.Callee)) ? result.Allowed : result.Violations).Add(call);
            }
        }

        return result;
    }

    private sealed class Block
    {
        public required int Index { get; init; }
        public string? Label { get; set; }
        public List<(string Mnemonic, string Operand)> Instructions { get; } = [];
        public List<int> Successors { get; } = [];
        public List<int> Predecessors { get; } = [];
    }

    /// <summary>The calls (not throw helpers) inside the loops of one listing, one entry per callee and loop.</summary>
    public static List<LoopCall> LoopCalls(Listing listing)
    {
        List<Block> blocks = BuildBlocks(listing.Lines);
        var found = new List<LoopCall>();
        if (blocks.Count == 0)
        {
            return found;
        }

        // Each call is reported once, at the smallest loop that holds it; the loop is innermost when no other loop's
        // header is in it.
        Dictionary<int, HashSet<int>> loops = NaturalLoops(blocks);
        var counts = new Dictionary<(int Header, string Callee), int>();
        for (int b = 0; b < blocks.Count; b++)
        {
            int header = -1;
            foreach ((int h, HashSet<int> body) in loops)
            {
                if (body.Contains(b) && (header < 0 || body.Count < loops[header].Count)) header = h;
            }

            if (header < 0) continue;
            foreach ((string mnemonic, string operand) in blocks[b].Instructions)
            {
                if (IsCall(mnemonic) && !ThrowCallee().IsMatch(operand))
                {
                    string callee = operand.Trim();
                    if (callee.StartsWith('[') && callee.EndsWith(']'))
                    {
                        callee = callee[1..^1];
                    }

                    counts[(header, callee)] = counts.GetValueOrDefault((header, callee)) + 1;
                }
            }
        }

        foreach (((int header, string callee), int count) in counts.OrderBy(c => c.Key.Header))
        {
            HashSet<int> body = loops[header];
            bool innermost = !loops.Keys.Any(other => other != header && body.Contains(other));
            int depth = loops.Count(l => l.Value.Contains(header));
            found.Add(new LoopCall(listing.Method, listing.Tier, callee, blocks[header].Label ?? $"block {header}", innermost, depth, count));
        }

        return found;
    }

    private static bool IsCall(string mnemonic) => mnemonic is "call" or "tail.call";

    private static bool IsJump(string mnemonic) => mnemonic.Length >= 2 && mnemonic[0] == 'j';

    private static List<Block> BuildBlocks(IReadOnlyList<string> lines)
    {
        var blocks = new List<Block>();
        var labels = new Dictionary<string, int>();
        var tableTargets = new List<string>();   // jump tables (RWD data) of indirect jumps
        Block? current = null;
        bool inData = false;
        foreach (string raw in lines)
        {
            string line = StripComment(raw);
            if (line.StartsWith("RWD", StringComparison.Ordinal))
            {
                inData = true;
            }

            if (inData)
            {
                tableTargets.AddRange(LabelReference().Matches(line).Select(m => m.Value));
                continue;
            }

            Match label = LabelLine().Match(line);
            if (label.Success)
            {
                current = new Block { Index = blocks.Count, Label = label.Groups[1].Value };
                labels[current.Label] = current.Index;
                blocks.Add(current);
                continue;
            }

            Match instruction = InstructionLine().Match(line);
            if (!instruction.Success)
            {
                continue;
            }

            string mnemonic = instruction.Groups["mn"].Value, operand = instruction.Groups["op"].Value.Trim();
            if (mnemonic is "align" or "nop")
            {
                continue;
            }

            if (current is null)
            {
                current = new Block { Index = blocks.Count };
                blocks.Add(current);
            }

            current.Instructions.Add((mnemonic, operand));
            if (IsJump(mnemonic) || mnemonic is "ret" or "int3" || mnemonic.StartsWith("tail.", StringComparison.Ordinal))
            {
                current = null;   // the next instruction starts a block, labelled or not
            }
        }

        for (int b = 0; b < blocks.Count; b++)
        {
            Block block = blocks[b];
            (string mnemonic, string operand) = block.Instructions.Count > 0 ? block.Instructions[^1] : ("", "");
            bool fallsThrough = true;
            if (IsJump(mnemonic))
            {
                Match target = LabelReference().Match(operand);
                if (target.Success && labels.TryGetValue(target.Value, out int t))
                {
                    block.Successors.Add(t);
                }
                else if (mnemonic == "jmp")
                {
                    // An indirect jump: through a jump table, or a tail call out of the method.
                    block.Successors.AddRange(tableTargets.Where(labels.ContainsKey).Select(l => labels[l]).Distinct());
                }

                fallsThrough = mnemonic != "jmp";
            }
            else if (mnemonic is "ret" or "int3" || mnemonic.StartsWith("tail.", StringComparison.Ordinal))
            {
                fallsThrough = false;
            }

            if (fallsThrough && b + 1 < blocks.Count)
            {
                block.Successors.Add(b + 1);
            }

            foreach (int s in block.Successors.Distinct())
            {
                blocks[s].Predecessors.Add(b);
            }
        }

        return blocks;
    }

    private static string StripComment(string line)
    {
        int comment = line.IndexOf(";;", StringComparison.Ordinal);
        return comment >= 0 ? line[..comment].TrimEnd() : line;
    }

    /// <summary>Loop header → blocks of its loop (back edges to one header merged). Irreducible retreating edges take the blocks between, in layout order.</summary>
    private static Dictionary<int, HashSet<int>> NaturalLoops(List<Block> blocks)
    {
        int n = blocks.Count;
        var reachable = new bool[n];
        var stack = new Stack<int>();
        stack.Push(0);
        while (stack.Count > 0)
        {
            int b = stack.Pop();
            if (reachable[b]) continue;
            reachable[b] = true;
            foreach (int s in blocks[b].Successors) stack.Push(s);
        }

        // Dominator sets, iterated to a fixed point (methods have at most a few hundred blocks).
        var dominators = new HashSet<int>[n];
        for (int b = 0; b < n; b++)
        {
            dominators[b] = b == 0 ? [0] : [.. Enumerable.Range(0, n)];
        }

        for (bool changed = true; changed;)
        {
            changed = false;
            for (int b = 1; b < n; b++)
            {
                if (!reachable[b]) continue;
                HashSet<int>? meet = null;
                foreach (int p in blocks[b].Predecessors.Where(p => reachable[p]))
                {
                    if (meet is null) meet = [.. dominators[p]];
                    else meet.IntersectWith(dominators[p]);
                }

                meet ??= [];
                meet.Add(b);
                if (!meet.SetEquals(dominators[b]))
                {
                    dominators[b] = meet;
                    changed = true;
                }
            }
        }

        // Retreating edges: to a block still on the depth-first search's path (every back edge is one).
        var retreating = new HashSet<(int, int)>();
        var state = new int[n];   // 0 unvisited, 1 on the path, 2 done
        var path = new Stack<(int Block, int Next)>();
        path.Push((0, 0));
        state[0] = 1;
        while (path.Count > 0)
        {
            (int b, int next) = path.Pop();
            if (next < blocks[b].Successors.Count)
            {
                path.Push((b, next + 1));
                int s = blocks[b].Successors[next];
                if (state[s] == 1) retreating.Add((b, s));
                else if (state[s] == 0)
                {
                    state[s] = 1;
                    path.Push((s, 0));
                }
            }
            else
            {
                state[b] = 2;
            }
        }

        var loops = new Dictionary<int, HashSet<int>>();
        for (int u = 0; u < n; u++)
        {
            if (!reachable[u]) continue;
            foreach (int h in blocks[u].Successors)
            {
                HashSet<int> body;
                if (dominators[u].Contains(h))
                {
                    body = [h];
                    var work = new Stack<int>();
                    if (body.Add(u)) work.Push(u);
                    while (work.Count > 0)
                    {
                        foreach (int p in blocks[work.Pop()].Predecessors)
                        {
                            if (reachable[p] && body.Add(p)) work.Push(p);
                        }
                    }
                }
                else if (retreating.Contains((u, h)))
                {
                    // A cycle entered at more than one block (irreducible): the blocks on a path from h to u.
                    body = [.. Enumerable.Range(0, n).Where(b => reachable[b] && Reaches(blocks, h, b) && Reaches(blocks, b, u))];
                }
                else
                {
                    continue;
                }

                if (loops.TryGetValue(h, out HashSet<int>? existing)) existing.UnionWith(body);
                else loops[h] = body;
            }
        }

        return loops;
    }

    private static bool Reaches(List<Block> blocks, int from, int to)
    {
        var seen = new HashSet<int>();
        var work = new Stack<int>();
        work.Push(from);
        while (work.Count > 0)
        {
            int b = work.Pop();
            if (b == to) return true;
            if (!seen.Add(b)) continue;
            foreach (int s in blocks[b].Successors) work.Push(s);
        }

        return false;
    }

    /// <summary>The name without the generated kernels' file-local prefixes and the common namespaces.</summary>
    public static string Shorten(string name) => FileLocalPrefix().Replace(name, "")
        .Replace("System.Runtime.Intrinsics.", "", StringComparison.Ordinal)
        .Replace("LossGen.Kernels.", "", StringComparison.Ordinal)
        .Replace("LossGen.", "", StringComparison.Ordinal);

    /// <summary>
    /// <c>parse [--label L] [--innermost-only] [--allow RULE]... [--full-names] FILE</c>: prints each call in a loop and
    /// returns 1 when one is not allowed, 2 when the file cannot be read as listings.
    /// </summary>
    public static int Run(string[] args)
    {
        string label = "", file = "";
        bool innermostOnly = false, fullNames = false;
        var allow = new List<AllowRule>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--label": label = args[++i]; break;
                case "--allow": allow.Add(AllowRule.Parse(args[++i])); break;
                case "--innermost-only": innermostOnly = true; break;
                case "--full-names": fullNames = true; break;
                default: file = args[i]; break;
            }
        }

        if (!File.Exists(file))
        {
            Console.Error.WriteLine($"[{label}] no JIT output file '{file}'");
            return 2;
        }

        CheckResult result = Check(File.ReadLines(file), allow);
        string Name(string name) => fullNames ? name : Shorten(name);
        string Describe(LoopCall c) => string.Create(CultureInfo.InvariantCulture,
            $"[{label}] {Name(c.Method)} ({c.Tier}) calls {Name(c.Callee)} in the {(c.Innermost ? "innermost" : "outer")} loop at {c.LoopHeader} (depth {c.Depth}){(c.Count > 1 ? $", {c.Count} call sites" : "")}");

        foreach (string error in result.Errors) Console.WriteLine($"[{label}] ERROR: {error}");
        foreach (string warning in result.Warnings) Console.WriteLine($"[{label}] warning: {warning}");
        foreach (LoopCall call in result.Allowed) Console.WriteLine($"allowed: {Describe(call)}");

        List<LoopCall> gating = [.. result.Violations.Where(c => c.Innermost || !innermostOnly)];
        foreach (LoopCall call in result.Violations.Except(gating)) Console.WriteLine($"not gating (outer loop): {Describe(call)}");
        foreach (LoopCall call in gating) Console.WriteLine($"VIOLATION: {Describe(call)}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[{label}] {result.MethodsChecked} methods checked, {gating.Count} calls in loops, {result.Allowed.Count} allowed, {result.Warnings.Count} warnings, {result.Errors.Count} errors"));
        return result.Errors.Count > 0 ? 2 : gating.Count > 0 ? 1 : 0;
    }
}
