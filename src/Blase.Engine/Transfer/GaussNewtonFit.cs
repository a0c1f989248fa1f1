using System.Diagnostics;

namespace Blase.Engine.Transfer;

/// <summary>
/// Levenberg–Marquardt on the transfer: the Gauss–Newton matrix JᵀWJ + prior curvature with J formed through every stage
/// (<see cref="OrderModel.Jacobian"/>), and each order's continuum coefficients as explicit (linear) parameters. Lines
/// couple only to neighbours (their columns overlap only within the rotation and LSF reach), so with the line coordinates
/// sorted by wavelength JᵀWJ lies within a narrow envelope of its diagonal; RV, v sin i, R and the continua form its dense border
/// (<see cref="Fitting.BorderedEnvelopeSystem"/>). Each iteration costs about two evaluations, and converges like Newton's method
/// near the optimum; at the optimum the border's Schur complement is the covariance of RV, v sin i and R with every line and
/// continuum marginalized (Gaussian approximation), which gives their uncertainties.
/// </summary>
internal sealed class GaussNewtonFit
{
    private readonly TransferObjective _obj;
    private readonly OrderModel[] _orders;
    private readonly int[] _bandOf;      // z coordinate → band index, or −1 for border
    private readonly int[] _borderOf;    // z coordinate → border index, or −1
    private readonly int[] _bulkZ;       // border index → z coordinate for bulk entries
    private readonly int _nBand, _nBorder, _nz, _nc;
    private readonly Dictionary<(bool, int, int), int> _zOfLineParam = new();
    private readonly int[] _contOffset;

    public GaussNewtonFit(TransferObjective obj)
    {
        _obj = obj;
        _orders = obj.Orders.ToArray();
        _nz = obj.Dimension;
        double d = DopplerShift.Factor(obj.Bulk.RadialVelocity);
        var lineZ = new List<(double Center, int Z)>();
        var bulk = new List<int>();
        for (int i = 0; i < _nz; i++)
        {
            var (kind, line) = obj.SlotAt(i);
            if (kind < Slot.StarCenter) { bulk.Add(i); continue; }
            bool tell = kind >= Slot.TellLnA;
            int p = kind switch { Slot.StarCenter => 0, Slot.StarLnA or Slot.TellLnA => 1, Slot.StarLnS or Slot.TellLnS => 2, _ => 3 };
            _zOfLineParam[(tell, line, p)] = i;
            lineZ.Add((tell ? obj.Telluric!.Center[line] : obj.Star.Center[line] * d, i));
        }
        _bandOf = Enumerable.Repeat(-1, _nz).ToArray();
        _borderOf = Enumerable.Repeat(-1, _nz).ToArray();
        var sorted = lineZ.OrderBy(x => x.Center).ThenBy(x => x.Z).ToArray();
        for (int b = 0; b < sorted.Length; b++) _bandOf[sorted[b].Z] = b;
        for (int b = 0; b < bulk.Count; b++) _borderOf[bulk[b]] = b;
        _bulkZ = bulk.ToArray();
        _nBand = sorted.Length;
        _contOffset = new int[_orders.Length + 1];
        bool cont = obj.Free.HasFlag(TransferParameters.Continuum);
        for (int q = 0; q < _orders.Length; q++) _contOffset[q + 1] = _contOffset[q] + (cont ? _orders[q].Continuum.Coefficients.Length : 0);
        _nc = _contOffset[^1];
        _nBorder = bulk.Count + _nc;
    }

    private double[] Continua() => _orders.SelectMany(m => m.Continuum.Coefficients).ToArray();

    private void SetContinua(double[] c)
    {
        if (_nc == 0) return;
        for (int q = 0; q < _orders.Length; q++)
            _orders[q].Continuum.Coefficients = c.AsSpan(_contOffset[q], _contOffset[q + 1] - _contOffset[q]).ToArray();
    }

    private double Value(double[] z, double[] c)
    {
        SetContinua(c);
        return _obj.Value(z, null, solveContinuum: false);
    }

    /// <summary>Builds JᵀWJ (+ prior curvature) and the gradient at (z, c); the model is evaluated there first.</summary>
    private (Fitting.BorderedEnvelopeSystem System, double[] GBand, double[] GBorder) Assemble(double[] z, double[] c)
    {
        // One evaluation gives the model (for the Jacobian) and the adjoint gradient of ½χ² + prior for lines and bulk
        // (exact whatever J's rounding).
        SetContinua(c);
        var gz = new double[_nz];
        _obj.Value(z, gz, solveContinuum: false);
        var bulk = _obj.Bulk;
        double dFactor = DopplerShift.Factor(bulk.RadialVelocity);
        bool tellFree = _obj.Free.HasFlag(TransferParameters.Telluric);
        // Per order, per pixel: (index, value) of every nonzero column, band indices first.
        var perOrder = new List<(int Index, double Value)>[_orders.Length][];
        var firstCol = Enumerable.Range(0, _nBand).ToArray();
        // Orders are independent here: their Jacobians are formed in parallel, then merged.
        Parallel.For(0, _orders.Length, q =>
        {
            var m = _orders[q];
            int np = m.Order.PixelCount;
            var rows = new List<(int, double)>[np];
            for (int i = 0; i < np; i++) rows[i] = new List<(int, double)>();
            var rv = new double[np]; var vs = new double[np]; var lr = new double[np];
            m.Jacobian(bulk, tellFree, (tell, line, p, first, values, count) =>
            {
                if (!_zOfLineParam.TryGetValue((tell, line, p), out int zi)) return;
                double k = _obj.ScaleOf(zi) * (!tell && p == 0 ? dFactor : 1); // λc′ = D·λc
                int b = _bandOf[zi];
                // Far-wing entries (below 0.1 % of the column's peak in σ units, or 1e-4 σ) change JᵀWJ by < 1e-6 of its
                // terms: leaving them out keeps the band narrow. The gradient is the exact adjoint, so the optimum does not
                // move; only the step's curvature is approximate.
                double peak = 0;
                for (int t = 0; t < count; t++) peak = Math.Max(peak, values[t] * values[t] * m.Weight[first + t]);
                double cut = Math.Max(1e-8 / (k * k), 1e-6 * peak);
                for (int t = 0; t < count; t++)
                    if (values[t] * values[t] * m.Weight[first + t] > cut) rows[first + t].Add((b, values[t] * k));
            }, rv, vs, lr);
            for (int bi = 0; bi < _bulkZ.Length; bi++)
            {
                var col = _obj.SlotAt(_bulkZ[bi]).Kind switch { Slot.RadialVelocity => rv, Slot.Vsini => vs, _ => lr };
                double k = _obj.ScaleOf(_bulkZ[bi]);
                for (int i = 0; i < np; i++) if (col[i] != 0) rows[i].Add((_nBand + bi, col[i] * k));
            }
            for (int n = 0; n < _contOffset[q + 1] - _contOffset[q]; n++)
                for (int i = 0; i < np; i++) rows[i].Add((_nBand + _bulkZ.Length + _contOffset[q] + n, m.Continuum.Basis(i, n) * m.Normalized[i]));
            perOrder[q] = rows;
        });
        foreach (var rows in perOrder)
            foreach (var row in rows)
            {
                int lo = int.MaxValue;
                foreach (var (idx, _) in row) if (idx < _nBand) lo = Math.Min(lo, idx);
                foreach (var (idx, _) in row) if (idx < _nBand && lo < firstCol[idx]) firstCol[idx] = lo;
            }
        var sys = new Fitting.BorderedEnvelopeSystem(firstCol, _nBorder);
        var gBand = new double[_nBand];
        var gBorder = new double[_nBorder];
        for (int q = 0; q < _orders.Length; q++)
        {
            var m = _orders[q];
            var rows = perOrder[q];
            for (int i = 0; i < rows.Length; i++)
            {
                double w = m.Weight[i];
                if (w <= 0) continue;
                double r = m.Model[i] - m.Order.Flux[i];
                var row = rows[i];
                for (int a = 0; a < row.Count; a++)
                {
                    var (ia, va) = row[a];
                    double wa = w * va;
                    if (ia < _nBand) gBand[ia] += wa * r; else gBorder[ia - _nBand] += wa * r;
                    for (int b = 0; b < row.Count; b++)
                    {
                        var (ib, vb) = row[b];
                        if (ia < _nBand && ib < _nBand) { if (ib <= ia) sys.Add(ia, ib, wa * vb); }
                        else if (ia < _nBand) sys.Border[ia * _nBorder + (ib - _nBand)] += wa * vb;
                        else if (ib >= _nBand) sys.Corner[(ia - _nBand) * _nBorder + (ib - _nBand)] += wa * vb;
                    }
                }
            }
        }
        // The prior: its gradient and curvature on the line coordinates.
        for (int i = 0; i < _nz; i++)
        {
            if (_bandOf[i] < 0) continue;
            int b = _bandOf[i];
            gBand[b] = gz[i];
            sys.Add(b, b, _obj.PriorCurvature(i, z));
        }
        for (int b = 0; b < _bulkZ.Length; b++) gBorder[b] = gz[_bulkZ[b]];
        return (sys, gBand, gBorder);
    }

    public Fitting.MinimizationResult Minimize(TransferOptions o, Action<int, double> progress, CancellationToken cancel)
    {
        var z = _obj.Current();
        var c = Continua();
        double f = Value(z, c), lambda = 1e-3;
        var history = new List<double> { f };
        string reason = "reached the iteration limit";
        int it, evals = 1;
        for (it = 1; it <= o.MaxIterations; it++)
        {
            cancel.ThrowIfCancellationRequested();
            var (sys, gb, gd) = Assemble(z, c);
            evals += 2;
            bool accepted = false;
            for (int attempt = 0; attempt < 12 && !accepted; attempt++)
            {
                var sol = sys.Solve(gb.Select(v => -v).ToArray(), gd.Select(v => -v).ToArray(), lambda);if (sol is null) { lambda *= 10; continue; }
                var (x, y, _) = sol.Value;
                var zt = (double[])z.Clone();
                var ct = (double[])c.Clone();
                for (int i = 0; i < _nz; i++)
                {
                    double step = _bandOf[i] >= 0 ? x[_bandOf[i]] : y[_borderOf[i]];
                    zt[i] += Math.Clamp(step, -MaxStep, MaxStep);
                }
                for (int k = 0; k < _nc; k++) ct[k] += y[_bulkZ.Length + k];
                double ft = Value(zt, ct);
                evals++;
                if (ft < f) { z = zt; c = ct; f = ft; accepted = true; lambda = Math.Max(lambda / 3, 1e-9); }
                else lambda *= 4;
            }
            history.Add(f);
            progress(it, f);
            if (!accepted) { reason = "no step lowers the objective (converged)"; break; }
            if (history.Count > o.Patience && history[^(o.Patience + 1)] - f <= o.Tolerance * Math.Abs(history[^(o.Patience + 1)]))
            {
                reason = $"the objective changed by less than {o.Tolerance:G2} over {o.Patience} iterations";
                break;
            }
        }
        Value(z, c);
        return new Fitting.MinimizationResult(z, f, Math.Min(it, o.MaxIterations), evals, reason);
    }

    /// <summary>Largest move of one whitened coordinate per step (three prior scales for a line): larger steps overshoot
    /// on blended lines and need more iterations (measured on WASP-69: 10 iterations to χ²/2 = 22,500 at 3, 20 at 10).</summary>
    private const double MaxStep = 3;

    /// <summary>1σ of each bulk coordinate at the current point (the border's Schur complement, lines and continua marginalized).</summary>
    public (int[] Coordinates, double[] Errors) BulkErrors()
    {
        var z = _obj.Current();
        var (sys, gb, gd) = Assemble(z, Continua());
        var sol = sys.Solve(gb, gd, 0);
        var errors = _bulkZ.Select((zi, b) => sol is { } s && s.BorderInverse[b * _nBorder + b] > 0
            ? Math.Sqrt(s.BorderInverse[b * _nBorder + b]) * _obj.ScaleOf(zi) : double.NaN).ToArray();
        return (_bulkZ, errors);
    }
}
