namespace Blase.Engine.Transfer;

/// <summary>
/// The curvature (Hessian) of the transfer objective at a point, as the optimizer and the uncertainties need it: full
/// columns for the bulk parameters, and one block per line for its own coordinates. Both come from central differences of
/// the analytic gradient: a pair of gradients per bulk parameter, and for the line blocks a pair per colour and line
/// coordinate, where lines of one colour are far enough apart (their reach through rotation, the LSF and the pixels does not
/// overlap) to be perturbed together. Lines couple only through their overlap, which the blocks leave out.
/// <para>Used twice: its block-diagonal inverse preconditions L-BFGS (the first step is a per-line Newton step, as the
/// clone's Levenberg–Marquardt), and at the optimum cov = (H_BB − Σ_j H_Bj H_jj⁻¹ H_jB)⁻¹ gives the bulk parameters'
/// uncertainties with every line profiled out (the continuum is re-solved at each evaluation, so it is profiled too).</para>
/// </summary>
internal sealed class Curvature
{
    private const double Step = 1e-3;
    private readonly TransferObjective _obj;
    private readonly int[] _bulk;
    private readonly double[][] _bulkColumns;
    private readonly (int[] Coords, double[] Block, double[] Inverse)[] _lines;

    private Curvature(TransferObjective obj, int[] bulk, double[][] cols, (int[], double[], double[])[] lines)
    {
        _obj = obj; _bulk = bulk; _bulkColumns = cols; _lines = lines;
    }

    public int Evaluations { get; private init; }

    public static Curvature Measure(TransferObjective obj, double[] z, Func<int, (double Lo, double Hi)> reachOfLine, CancellationToken cancel)
    {
        int n = z.Length, evals = 0;
        var zz = (double[])z.Clone();
        var plus = new double[n]; var minus = new double[n];
        var bulk = Enumerable.Range(0, n).Where(i => obj.LineOf(i) < 0).ToArray();
        var cols = new double[bulk.Length][];
        for (int b = 0; b < bulk.Length; b++)
        {
            int i = bulk[b];
            zz[i] = z[i] + Step; obj.Value(zz, plus);
            zz[i] = z[i] - Step; obj.Value(zz, minus);
            zz[i] = z[i]; evals += 2;
            cols[b] = plus.Select((p, k) => (p - minus[k]) / (2 * Step)).ToArray();
        }

        var byLine = Enumerable.Range(0, n).Where(i => obj.LineOf(i) >= 0).GroupBy(obj.LineOf).ToDictionary(x => x.Key, x => x.ToArray());
        var colourEnd = new List<double>();
        var colourOf = new Dictionary<int, int>();
        foreach (var line in byLine.Keys.OrderBy(l => reachOfLine(l).Lo))
        {
            var (lo, hi) = reachOfLine(line);
            int c = colourEnd.FindIndex(end => end < lo);
            if (c < 0) { c = colourEnd.Count; colourEnd.Add(hi); } else colourEnd[c] = hi;
            colourOf[line] = c;
        }
        var blocks = byLine.ToDictionary(x => x.Key, x => new double[x.Value.Length * x.Value.Length]);
        int width = byLine.Count == 0 ? 0 : byLine.Values.Max(v => v.Length);
        for (int c = 0; c < colourEnd.Count; c++)
            for (int p = 0; p < width; p++)
            {
                cancel.ThrowIfCancellationRequested();
                var lines = byLine.Where(x => colourOf[x.Key] == c && x.Value.Length > p).ToArray();
                if (lines.Length == 0) continue;
                foreach (var x in lines) zz[x.Value[p]] = z[x.Value[p]] + Step;
                obj.Value(zz, plus);
                foreach (var x in lines) zz[x.Value[p]] = z[x.Value[p]] - Step;
                obj.Value(zz, minus);
                foreach (var x in lines) zz[x.Value[p]] = z[x.Value[p]];
                evals += 2;
                foreach (var x in lines)
                {
                    int m = x.Value.Length;
                    for (int q = 0; q < m; q++) blocks[x.Key][q * m + p] = (plus[x.Value[q]] - minus[x.Value[q]]) / (2 * Step);
                }
            }
        obj.Value(z, null);
        evals++;
        var lineBlocks = byLine.Select(x =>
        {
            int m = x.Value.Length;
            var h = blocks[x.Key];
            for (int q = 0; q < m; q++) for (int p = 0; p < q; p++) h[q * m + p] = h[p * m + q] = 0.5 * (h[q * m + p] + h[p * m + q]);
            return (x.Value, h, Invert(h, m));
        }).ToArray();
        return new Curvature(obj, bulk, cols, lineBlocks) { Evaluations = evals };
    }

    /// <summary>The inverse of a small symmetric block; where it is not positive definite, the inverse of its absolute diagonal.</summary>
    private static double[] Invert(double[] h, int m)
    {
        var inv = new double[m * m];
        bool ok = true;
        for (int c = 0; c < m && ok; c++)
        {
            var e = new double[m]; e[c] = 1;
            var a = (double[])h.Clone();
            ok = Fitting.DenseSolver.Solve(a, e, m) && e[c] > 0;
            for (int r = 0; r < m; r++) inv[r * m + c] = e[r];
        }
        if (ok) return inv;
        Array.Clear(inv);
        for (int c = 0; c < m; c++) inv[c * m + c] = 1 / Math.Max(Math.Abs(h[c * m + c]), 1);
        return inv;
    }

    /// <summary>d ← P·d with P the inverse of the block-diagonal curvature (bulk coordinates by their diagonal).</summary>
    public void Precondition(double[] d)
    {
        for (int b = 0; b < _bulk.Length; b++)
        {
            double h = _bulkColumns[b][_bulk[b]];
            d[_bulk[b]] /= Math.Max(Math.Abs(h), 1);
        }
        Span<double> tmp = stackalloc double[8];
        foreach (var (coords, _, inv) in _lines)
        {
            int m = coords.Length;
            for (int r = 0; r < m; r++)
            {
                double s = 0;
                for (int c = 0; c < m; c++) s += inv[r * m + c] * d[coords[c]];
                tmp[r] = s;
            }
            for (int r = 0; r < m; r++) d[coords[r]] = tmp[r];
        }
    }

    /// <summary>1σ of each bulk coordinate (in physical units), lines profiled; NaN where the curvature is not positive.</summary>
    public double[] BulkErrors()
    {
        int nb = _bulk.Length;
        var schur = new double[nb * nb];
        for (int a = 0; a < nb; a++) for (int b = 0; b < nb; b++) schur[a * nb + b] = 0.5 * (_bulkColumns[a][_bulk[b]] + _bulkColumns[b][_bulk[a]]);
        foreach (var (coords, block, _) in _lines)
        {
            int m = coords.Length;
            for (int b = 0; b < nb; b++)
            {
                var x = coords.Select(i => _bulkColumns[b][i]).ToArray(); // H_jB, column b
                if (!Fitting.DenseSolver.Solve((double[])block.Clone(), x, m)) continue;
                for (int a = 0; a < nb; a++)
                {
                    double s = 0;
                    for (int q = 0; q < m; q++) s += _bulkColumns[a][coords[q]] * x[q];
                    schur[a * nb + b] -= s;
                }
            }
        }
        var errors = new double[nb];
        for (int b = 0; b < nb; b++)
        {
            var e = new double[nb]; e[b] = 1;
            errors[b] = Fitting.DenseSolver.Solve((double[])schur.Clone(), e, nb) && e[b] > 0 ? Math.Sqrt(e[b]) * _obj.ScaleOf(_bulk[b]) : double.NaN;
        }
        return errors;
    }

    /// <summary>The coordinates <see cref="BulkErrors"/> reports, in order.</summary>
    public IReadOnlyList<int> BulkCoordinates => _bulk;
}
