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

    /// <summary>Builds JᵀWJ (+ prior curvature) and the gradient at (z, c); the model is evaluated there first. Also returns
    /// J itself: per order, per pixel, the (column, value) pairs of its nonzero entries.</summary>
    private (Fitting.BorderedEnvelopeSystem System, double[] GBand, double[] GBorder, List<(int Index, double Value)>[][] Rows) Assemble(double[] z, double[] c)
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
        return (sys, gBand, gBorder, perOrder);
    }

    /// <summary>Levenberg–Marquardt from the objective's current point. <paramref name="checkpointAt"/> is where to save and resume
    /// this fit (<see cref="TransferCheckpoint"/>): the transfer's joint fit only, not the folds of cross-validation, which share its options.</summary>
    public Fitting.MinimizationResult Minimize(TransferOptions o, Action<int, double> progress, CancellationToken cancel, Fitting.CheckpointOptions? checkpointAt = null)
    {
        var z = _obj.Current();
        var c = Continua();
        double lambda = 1e-3;
        var history = new List<double>();
        int it, evals = 1, start = 0;
        var checkpoint = TransferCheckpoint.Open(checkpointAt, o, _obj, _orders, z, c, (zc, cc) => { _obj.Apply(zc); SetContinua(cc); });
        if (checkpoint?.Resumed is { } resumed)
        {
            (z, c, lambda, start, evals) = ((double[])resumed.Array("z").Clone(), (double[])resumed.Array("continua").Clone(),
                resumed.Scalar("lambda"), resumed.Iteration, (int)resumed.Scalar("evaluations"));
            history.AddRange(resumed.Array("history"));
        }
        double f = Value(z, c);
        if (start == 0) history.Add(f);
        if (checkpoint is { Resumed: null }) checkpoint.Reached(0, TransferCheckpoint.Capture(z, c, lambda, history, evals));
        string reason = "reached the iteration limit";
        try
        {
            for (it = start + 1; it <= o.MaxIterations; it++)
            {
                // A stop request (Ctrl+C, a time limit) keeps the point reached: every accepted step lowered the objective.
                if (cancel.IsCancellationRequested) { reason = StoppedOnRequest; it--; break; }
                var (sys, gb, gd, _) = Assemble(z, c);
                evals += 2;
                bool accepted = false;
                for (int attempt = 0; attempt < 12 && !accepted && !cancel.IsCancellationRequested; attempt++)
                {
                    var sol = sys.Solve(gb.Select(v => -v).ToArray(), gd.Select(v => -v).ToArray(), lambda);
                    if (sol is null) { lambda *= 10; continue; }
                    var (x, y) = sol.Value;
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
                if (!accepted && cancel.IsCancellationRequested) { reason = StoppedOnRequest; break; }
                if (!accepted) { reason = "no step lowers the objective (converged)"; break; }
                if (history.Count > o.Patience && history[^(o.Patience + 1)] - f <= o.Tolerance * Math.Abs(history[^(o.Patience + 1)]))
                {
                    reason = $"the objective changed by less than {o.Tolerance:G2} over {o.Patience} iterations";
                    break;
                }
                checkpoint?.Reached(it, TransferCheckpoint.Capture(z, c, lambda, history, evals));
            }
        }
        catch
        {
            // A failure, or a progress report refused by a stopped pipeline: the last whole iteration is kept.
            checkpoint?.Stopped();
            throw;
        }
        if (reason == StoppedOnRequest) checkpoint?.Stopped();
        Value(z, c);
        return new Fitting.MinimizationResult(z, f, Math.Min(it, o.MaxIterations), evals, reason) { Cancelled = reason == StoppedOnRequest };
    }

    private const string StoppedOnRequest = "stopped on request (Ctrl+C or the time limit); the best point so far was kept";

    /// <summary>Largest move of one whitened coordinate per step (three prior scales for a line): larger steps overshoot
    /// on blended lines and need more iterations (measured on WASP-69: 10 iterations to χ²/2 = 22,500 at 3, 20 at 10).</summary>
    private const double MaxStep = 3;

    /// <summary>
    /// 1σ of each bulk coordinate at the current point, lines and continua marginalized, two ways:
    /// <para><b>Curvature</b>: √(H⁻¹)_bb, the border's Schur complement, right when the model is right and the noise is the
    /// data's own (white, with the stated σ).</para>
    /// <para><b>Sandwich</b> (robust; Huber 1967, White 1980): θ̂ − θ ≈ −H⁻¹JᵀW r, so θ̂_b moves by Σ_i u_i ρ_i with the
    /// influence u_i = √w_i (J H⁻¹ e_b)_i and the whitened residual ρ_i = √w_i r_i, and its variance is estimated from the
    /// residuals themselves, summed in blocks as long as the terms stay correlated (batch means), each block's sum divided by
    /// 1 − ℓ_B, its leverage (<see cref="BlockLeverage"/>). On real spectra the template never matches exactly: residuals are
    /// structured over each line, and the curvature error scaled by √(χ²/ν), which assumes white residuals, understates how
    /// far the RV can be off (measured in the tests: pulls of RMS 7 from the curvature, 1.6 from the sandwich, when each line
    /// of the star sits 0.5 km/s off the template's at random).</para>
    /// </summary>
    public BulkUncertainty BulkErrors()
    {
        var z = _obj.Current();
        var (sys, _, _, rows) = Assemble(z, Continua());
        var factor = sys.Factor(0);
        int nb = _bulkZ.Length;
        var curvature = new double[nb];
        var sandwich = new double[nb];
        Array.Fill(curvature, double.NaN);
        Array.Fill(sandwich, double.NaN);
        if (factor is null) return new BulkUncertainty(_bulkZ, curvature, sandwich, 0);
        // Whitened residuals ρ_i = √w_i (m_i − d_i) and, per bulk coordinate, the influence terms s_i = √w_i (J H⁻¹ e_b)_i ρ_i.
        var rho = _orders.Select(m => Enumerable.Range(0, m.Order.PixelCount)
            .Select(i => m.Weight[i] > 0 ? Math.Sqrt(m.Weight[i]) * (m.Model[i] - m.Order.Flux[i]) : 0).ToArray()).ToArray();
        var influence = new double[nb][][];
        for (int b = 0; b < nb; b++)
        {
            double hbb = factor.BorderInverse[b * _nBorder + b];
            if (hbb > 0) curvature[b] = Math.Sqrt(hbb) * _obj.ScaleOf(_bulkZ[b]);
            var e = new double[_nBorder];
            e[b] = 1;
            var (x, y) = factor.Solve(new double[_nBand], e);
            influence[b] = _orders.Select((m, q) => Enumerable.Range(0, m.Order.PixelCount)
                .Select(i => m.Weight[i] > 0 ? Math.Sqrt(m.Weight[i]) * Dot(rows[q][i], x, y) : 0).ToArray()).ToArray();
        }
        // Blocks as long as the terms stay correlated (at least the widest coordinate's lag, and 4 px).
        int block = 4;
        for (int b = 0; b < nb; b++)
            for (int q = 0; q < _orders.Length; q++)
                block = Math.Max(block, CorrelationLag(influence[b][q].Select((u, i) => u * rho[q][i]).ToArray()));
        var variance = new double[nb];
        for (int q = 0; q < _orders.Length; q++)
        {
            int np = _orders[q].Order.PixelCount;
            for (int lo = 0; lo < np; lo += block)
            {
                int hi = Math.Min(np, lo + block);
                double rr = 0;
                for (int i = lo; i < hi; i++) rr += rho[q][i] * rho[q][i];
                if (rr == 0) continue;
                double shrink = 1 - Math.Min(BlockLeverage(factor, rows, rho, q, lo, hi) / rr, 0.9);
                for (int b = 0; b < nb; b++)
                {
                    double c = 0;
                    for (int i = lo; i < hi; i++) c += influence[b][q][i] * rho[q][i];
                    variance[b] += c * c / (shrink * shrink);
                }
            }
        }
        for (int b = 0; b < nb; b++) sandwich[b] = Math.Sqrt(variance[b]) * _obj.ScaleOf(_bulkZ[b]);
        return new BulkUncertainty(_bulkZ, curvature, sandwich, block);
    }

    private double Dot(List<(int Index, double Value)> row, double[] x, double[] y)
    {
        double s = 0;
        foreach (var (idx, v) in row) s += v * (idx < _nBand ? x[idx] : y[idx - _nBand]);
        return s;
    }

    /// <summary>
    /// ρ_Bᵀ h_BB ρ_B for the block B = [lo, hi) of order q, h = W^½ J H⁻¹ Jᵀ W^½ the hat matrix: how much of the block's own
    /// residual the fit can absorb. Divided by ρ_Bᵀρ_B it is the block's leverage ℓ_B along its residual, and ρ_B/(1 − ℓ_B)
    /// is (in that direction) what the block deviated by before the fit absorbed part of it: the delete-a-block jackknife
    /// (Efron &amp; Stein 1981; the block form of MacKinnon &amp; White's 1985 HC3).
    /// </summary>
    private double BlockLeverage(Fitting.BorderedEnvelopeSystem.Factorization factor, List<(int Index, double Value)>[][] rows,
        double[][] rho, int q, int lo, int hi)
    {
        var f = new double[_nBand];
        var g = new double[_nBorder];
        for (int i = lo; i < hi; i++)
        {
            double w = _orders[q].Weight[i];
            if (w <= 0) continue;
            double a = Math.Sqrt(w) * rho[q][i];
            foreach (var (idx, v) in rows[q][i]) if (idx < _nBand) f[idx] += v * a; else g[idx - _nBand] += v * a;
        }
        var (x, y) = factor.Solve(f, g);
        double s = 0;
        for (int i = lo; i < hi; i++)
        {
            double w = _orders[q].Weight[i];
            if (w > 0) s += rho[q][i] * Math.Sqrt(w) * Dot(rows[q][i], x, y);
        }
        return s;
    }

    /// <summary>
    /// The lag (pixels) beyond which the terms s_i = u_i r_i are uncorrelated: twice the integrated autocorrelation time
    /// τ = 1 + 2 Σ_k ρ_k, summed while ρ_k stays positive (Geyer 1992's initial positive sequence). On white noise the terms
    /// are independent (u is fixed, r white): L ≈ 2. A line the template places wrongly leaves a residual shaped like u
    /// itself, so its terms share a sign across the line and L spans the line.
    /// </summary>
    internal static int CorrelationLag(double[] s)
    {
        int n = s.Length;
        double c0 = 0;
        foreach (double x in s) c0 += x * x;
        if (n < 8 || !(c0 > 0)) return 0;
        double tau = 1;
        for (int k = 1; k < n / 4; k++)
        {
            double ck = 0;
            for (int i = 0; i + k < n; i++) ck += s[i] * s[i + k];
            double rho = ck / c0;
            if (rho <= 0) break;
            tau += 2 * rho;
        }
        return (int)Math.Ceiling(2 * tau);
    }
}

/// <summary>1σ of the bulk coordinates (in their own units: km/s, ln R) by the curvature and by the sandwich, and the block
/// length (pixels) the sandwich summed over.</summary>
internal sealed record BulkUncertainty(int[] Coordinates, double[] Curvature, double[] Sandwich, int Block);
