using System.Collections.Generic;
using System.Linq;
using LossGen.Generators.Ir;

namespace LossGen.Generators.Emit;

/// <summary>
/// One arm of the selects on one condition: the statements only that arm needs. A vector none of whose lanes takes the arm
/// can skip them, since a select reads an arm only in the lanes that take it.
/// </summary>
/// <param name="Condition">The mask node of the selects.</param>
/// <param name="WhenTrue">True for the arm taken where the mask is set (the select's second operand).</param>
/// <param name="Members">The statements of the arm, in statement order.</param>
/// <param name="Results">The members read outside the arm (by the selects): declared before the arm's block.</param>
internal sealed record SelectArm(int Condition, bool WhenTrue, List<int> Members, List<int> Results);

/// <summary>
/// Finds the select arms worth skipping in a kernel (see <see cref="WorthATest"/>): a formula keeps such arms for rare
/// inputs (Poisson's overflow-safe form past a log-rate of 88, log-cosh's series within ±1/8). Both arms of a select are
/// computed for every vector otherwise; when only some lanes need one, skipping changes no lane's bits.
/// </summary>
internal static class SelectArms
{
    public static List<SelectArm> Find(Graph graph, IReadOnlyList<int> statements, IReadOnlyCollection<int> outputs)
    {
        var inStatements = new HashSet<int>(statements);
        var users = statements.ToDictionary(id => id, _ => new List<(int User, int Operand)>());
        foreach (int id in statements)
        {
            Node n = graph[id];
            for (int k = 0; k < n.Op.Arity(); k++)
            {
                if (inStatements.Contains(n.Operand(k)))
                {
                    users[n.Operand(k)].Add((id, k));
                }
            }
        }

        // From the outputs back: a statement belongs to an arm when every use of it is that arm of a select computed
        // for every vector, or a statement of the same arm. One level only: a select inside an arm is an ordinary member,
        // so each arm's block reads only statements computed before it, and its condition is one of them.
        var arm = new Dictionary<int, (int Condition, bool WhenTrue)>();
        foreach (int id in statements.Reverse())
        {
            if (outputs.Contains(id) || users[id].Count == 0)
            {
                continue;
            }

            (int, bool)? common = null;
            bool single = true;
            foreach ((int user, int operand) in users[id])
            {
                (int, bool)? use = arm.TryGetValue(user, out (int, bool) owner) ? owner
                    : graph[user].Op == Op.Select && operand > 0 ? (graph[user].A, operand == 1)
                    : null;
                if (use is null || (common is not null && !common.Equals(use)))
                {
                    single = false;
                    break;
                }

                common = use;
            }

            if (single && common is (int condition, bool whenTrue))
            {
                arm[id] = (condition, whenTrue);
            }
        }

        return arm.GroupBy(kv => kv.Value, kv => kv.Key)
            .Select(g => new SelectArm(g.Key.Condition, g.Key.WhenTrue, g.OrderBy(id => id).ToList(), []))
            .Where(a => WorthATest(graph, a.Members) && !ReadsItself(graph, statements, a.Members))
            .Select(a => a with { Results = a.Members.Where(id => users[id].Any(u => !a.Members.Contains(u.User))).ToList() })
            .OrderBy(a => a.Members[0])
            .ToList();
    }

    /// <summary>
    /// An arm with an exp, log (log1p on [0, 1] included: a dozen operations and a division in one statement) or power,
    /// or of <see cref="MinStatements"/> statements: the test (a compare of the mask and a branch) is a few instructions,
    /// and a vector that skips such an arm saves tens. A shorter arm saves less than the test costs where most vectors
    /// take it: smooth L1's (8 statements, two of them divisions) ran 9–26% slower with a test at every width when every
    /// vector took it.
    /// </summary>
    private static bool WorthATest(Graph graph, List<int> members)
        => members.Count >= MinStatements || members.Any(id => graph[id].Op.IsCostly());

    /// <summary>The fewest statements that make an arm worth a test by themselves (Poisson's safe form has 13, log-cosh's series 20).</summary>
    public const int MinStatements = 10;

    /// <summary>
    /// True when a member reads a statement outside the arm that reads the arm's results, directly or through other arms
    /// (a select on the arm's condition read inside the arm, or two arms each reading the other's select): the block could
    /// not be written before its readers.
    /// </summary>
    private static bool ReadsItself(Graph graph, IReadOnlyList<int> statements, List<int> members)
    {
        var inArm = new HashSet<int>(members);
        var readsArm = new HashSet<int>();
        foreach (int id in statements)
        {
            Node n = graph[id];
            bool reads = Enumerable.Range(0, n.Op.Arity()).Select(n.Operand).Any(o => inArm.Contains(o) || readsArm.Contains(o));
            if (!inArm.Contains(id) && reads)
            {
                readsArm.Add(id);
            }
            else if (inArm.Contains(id) && Enumerable.Range(0, n.Op.Arity()).Select(n.Operand).Any(readsArm.Contains))
            {
                return true;
            }
        }

        return false;
    }
}
