using Blase.Engine.Lines;
using Blase.Engine.Spectra;

namespace Blase.Engine.Transfer;

/// <summary>
/// The forward model of one order and its adjoint, stage by stage on the order's fine grid:
/// S = lines(λ; RV) → rotation ⊛ S → × telluric T → instrument (LSF and pixel integration) → × continuum C.
/// Star and telluric multiply before the instrument (they do not commute with it). Only the lines that can reach the
/// order are evaluated, so a whole-band model fitted to one order costs what the order needs.
/// </summary>
internal sealed class OrderModel : IDisposable
{
    private readonly LineModel _star, _starObs;
    private readonly int[] _starIndex;
    private readonly LineModel? _telluric, _tellLocal;
    private readonly int[] _tellIndex;
    private readonly LineKernels _starKernels;      // the CPU kernels: always there, for the Gauss–Newton Jacobian
    private ILineKernels? _starDevice;       // the same lines on a GPU, when one was asked for (null again after a fault)
    private Compute.GpuTransferKernels? _device; // rotation and instrument on that GPU
    private readonly Action<string>? _note;
    private readonly ILineKernels? _tellKernels;
    private readonly double[] _data, _weight;
    private readonly double _epsilon;
    private RotationalBroadening? _rotation;
    private double[]? _lnT;
    // Working arrays on the fine grid (S, rotated S, T, F = rotated S·T) and on the pixels (B, C·B).
    private readonly double[] _s, _rot, _t, _f, _gF, _gS, _qS;
    private readonly double[] _b, _m, _gB;

    /// <param name="device">Cuda to run the forward model and its adjoint on the GPU; Cpu for ILGPU's simulator (tests);
    /// null for the plain CPU path. The Gauss–Newton Jacobian is formed on the CPU in every case.</param>
    /// <param name="note">Told when the order runs on the CPU though a device was asked for (it did not fit, or it failed).</param>
    /// <param name="budget">The device memory the run's orders may still take (null: no limit); an order that does not fit runs on the CPU.</param>
    public OrderModel(SpectralOrder order, double[] weight, LineModel star, LineModel? telluric, BulkParameters start,
        TransferOptions o, double stepKms, double rvReachKms, Compute.DeviceKind? device = null, Action<string>? note = null,
        Compute.DeviceMemoryBudget? budget = null)
    {
        _note = note;
        Order = order;
        _data = order.Flux;
        _weight = weight;
        _epsilon = o.LimbDarkening;
        double rMin = Math.Min(o.ResolvingPower, start.ResolvingPower) / (1 + Math.Abs(o.ResolvingPowerSlope)) / 2;
        double lsfReachKms = 8 * DopplerShift.SpeedOfLightKms / (LineShape.FwhmPerSigma * rMin);
        Grid = new FineGrid(order.MinWavelength, order.MaxWavelength, stepKms, lsfReachKms + o.VsiniMax + 4 * stepKms);
        Instrument = new InstrumentProfile(Grid, order.Wavelength, start.ResolvingPower, o.ResolvingPowerSlope);
        Continuum = new ChebyshevContinuum(order.Wavelength, o.ContinuumDegree);

        _star = star;
        _starIndex = LinesReaching(star, Grid, start.RadialVelocity, rvReachKms);
        _starObs = star.Subset(_starIndex);
        _starKernels = new LineKernels(_starObs, Grid.Wavelength, o.Threads);
        if (device is Compute.DeviceKind kind && _starObs.Count > 0 && Fits(budget, o, stepKms))
        {
            try
            {
                _device = new Compute.GpuTransferKernels(Grid, Instrument, kind) { Faults = o.DeviceFaults };
                _starDevice = new Compute.GpuLineKernels(_starObs, Grid.Wavelength, kind) { Faults = o.DeviceFaults };
            }
            catch
            {
                _starDevice?.Dispose();
                _device?.Dispose();
                _starKernels.Dispose();
                throw;
            }
        }
        _telluric = telluric;
        _tellIndex = telluric is null ? Array.Empty<int>() : LinesReaching(telluric, Grid, 0, 0);
        if (telluric is not null && _tellIndex.Length > 0)
        {
            _tellLocal = telluric.Subset(_tellIndex);
            _tellKernels = new LineKernels(_tellLocal, Grid.Wavelength, o.Threads);
        }
        int n = Grid.Count, p = order.PixelCount;
        _s = new double[n]; _rot = new double[n]; _t = new double[n]; _f = new double[n]; _gF = new double[n]; _gS = new double[n]; _qS = new double[n];
        _b = new double[p]; _m = new double[p]; _gB = new double[p];
        Array.Fill(_t, 1.0);
    }

    public SpectralOrder Order { get; }
    public FineGrid Grid { get; }
    public InstrumentProfile Instrument { get; }
    public ChebyshevContinuum Continuum { get; }
    public int StarLineCount => _starIndex.Length;
    public IReadOnlyList<int> StarLines => _starIndex;
    public long LinePixelPairs => _starKernels.PairCount + (_tellKernels?.PairCount ?? 0);
    /// <summary>Whether the device buffers of this order (rotation taps up to <see cref="TransferOptions.VsiniMax"/>) fit in
    /// what the budget has left, taking them if they do.</summary>
    private bool Fits(Compute.DeviceMemoryBudget? budget, TransferOptions o, double stepKms)
    {
        long need = Compute.GpuTransferKernels.BytesNeeded(Grid.Count, Instrument.PixelCount, Instrument.Rows.W.Length, 2 * (int)Math.Ceiling(o.VsiniMax / stepKms) + 3)
                    + Compute.GpuLineKernels.BytesNeeded(_starObs.Count, Grid.Count);
        if (budget is null || budget.TryTake(need)) return true;
        _note?.Invoke($"order {Order.Number} needs {need / 1e6:F1} MB of device memory, more than the {budget.Left / 1e6:F1} MB left: it runs on the CPU");
        return false;
    }

    /// <summary>Where the forward model runs.</summary>
    public string Device => _device?.Device ?? _starKernels.Device;
    /// <summary>The device fault after which this order went on on the CPU, if one happened.</summary>
    public string? DeviceFault { get; private set; }
    /// <summary>C·B at each pixel after the last <see cref="Evaluate"/>.</summary>
    public double[] Model => _m;
    /// <summary>B (the model before the continuum) after the last <see cref="Evaluate"/>.</summary>
    public double[] Normalized => _b;
    public double[] Weight => _weight;

    /// <summary>Lines whose window, shifted by any RV within reach of <paramref name="rv"/>, touches the grid.</summary>
    internal static int[] LinesReaching(LineModel m, FineGrid g, double rv, double reachKms)
    {
        double lo = g.Wavelength[0], hi = g.Wavelength[^1];
        double dLo = DopplerShift.Factor(rv - reachKms), dHi = DopplerShift.Factor(rv + reachKms);
        var keep = new List<int>();
        for (int j = 0; j < m.Count; j++)
        {
            double hw = m.Shape(j).HalfWidth(Math.Exp(m.LnAmplitude[j]), m.Tolerance);
            if ((m.Center[j] + hw) * dHi >= lo && (m.Center[j] - hw) * dLo <= hi) keep.Add(j);
        }
        return keep.ToArray();
    }

    /// <summary>
    /// Evaluates the order at the current star/telluric lines and bulk parameters; solves the continuum when asked.
    /// Returns ½χ² = ½ Σ w (C·B − d)². A device that fails here is dropped and the evaluation done again on the CPU.
    /// </summary>
    public double Evaluate(BulkParameters bulk, bool solveContinuum, bool tellChanged)
    {
        if (_device is null) return EvaluateOnce(bulk, solveContinuum, tellChanged);
        try { return EvaluateOnce(bulk, solveContinuum, tellChanged); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            FallBack(e);
            return EvaluateOnce(bulk, solveContinuum, tellChanged);
        }
    }

    /// <summary>
    /// After any failure on the device: its objects are dropped and the order goes on with its CPU twins, which compute the
    /// same function (to the agreement the tests hold them to). A fault of the problem rather than the device recurs there and
    /// surfaces as it would on the CPU.
    /// </summary>
    private void FallBack(Exception e)
    {
        string where = _device!.Device;
        DeviceFault = Compute.DeviceFault.Describe(e);
        try { _starDevice?.Dispose(); _device.Dispose(); }
        catch (Exception) { /* a device that failed may fail to free its memory too; the context goes with the process */ }
        _starDevice = null;
        _device = null;
        _starKernels.Refresh(); // only the device's copy held the current lines
        _note?.Invoke($"order {Order.Number}: {where} failed ({DeviceFault}); carried on on the CPU");
    }

    private double EvaluateOnce(BulkParameters bulk, bool solveContinuum, bool tellChanged)
    {
        // Star lines, shifted: λc → D·λc and a, σ, γ → D·(a, σ, γ) (exact stretch, see DopplerShift).
        double d = DopplerShift.Factor(bulk.RadialVelocity), lnD = Math.Log(d);
        for (int j = 0; j < _starIndex.Length; j++)
        {
            int g = _starIndex[j];
            _starObs.Center[j] = _star.Center[g] * d;
            _starObs.LnAmplitude[j] = _star.LnAmplitude[g] + lnD;
            _starObs.LnSigma[j] = _star.LnSigma[g] + lnD;
            _starObs.LnGamma[j] = _star.LnGamma[g] + lnD;
        }
        var lines = _starDevice ?? _starKernels;
        lines.Refresh();
        var lnS = lines.LogFlux();
        for (int k = 0; k < _s.Length; k++) _s[k] = Math.Exp(lnS[k]);

        if (_tellKernels is not null && (_lnT is null || tellChanged))
        {
            for (int j = 0; j < _tellIndex.Length; j++)
            {
                int g = _tellIndex[j];
                _tellLocal!.LnAmplitude[j] = _telluric!.LnAmplitude[g];
                _tellLocal.LnSigma[j] = _telluric.LnSigma[g];
                _tellLocal.LnGamma[j] = _telluric.LnGamma[g];
            }
            _tellKernels.Refresh();
            _lnT = _tellKernels.LogFlux();
            for (int k = 0; k < _t.Length; k++) _t[k] = Math.Exp(_lnT[k]);
        }

        Instrument.Update(bulk.ResolvingPower);
        _device?.UpdateInstrument();
        if (_rotation is null || _rotation.Vsini != bulk.Vsini)
        {
            _rotation = new RotationalBroadening(bulk.Vsini, _epsilon, Grid.StepKms);
            _device?.SetRotation(_rotation);
        }
        int from = Instrument.FirstFine, to = Instrument.EndFine;
        if (from - _rotation.Half < 0 || to + _rotation.Half > Grid.Count)
            throw new ArgumentOutOfRangeException(nameof(bulk), $"v sin i {bulk.Vsini:F1} km/s reaches beyond the fine grid's margin");
        if (_device is not null) _device.Rotate(_s, _rot, from, to); else _rotation.Apply(_s, _rot, from, to);
        for (int k = from; k < to; k++) _f[k] = _rot[k] * _t[k];
        if (_device is not null) _device.Bin(_f, _b); else Instrument.Apply(_f, _b);
        if (solveContinuum) Continuum.Solve(_b, _data, _weight);
        double chi2 = 0;
        for (int i = 0; i < _b.Length; i++)
        {
            _m[i] = Continuum.At(i) * _b[i];
            if (_weight[i] > 0) { double r = _m[i] - _data[i]; chi2 += _weight[i] * r * r; }
        }
        return 0.5 * chi2;
    }

    /// <summary>
    /// The gradient of ½χ² (after <see cref="Evaluate"/>) by the adjoint of each stage, added into the star lines' gradient
    /// (4 per line of the full star model: λc, ln a, ln σ, ln γ), the telluric lines' (same layout) and the bulk parameters'
    /// (RV, v sin i, ln R). The continuum needs none: it is at its optimum (or fixed). A device that fails here is dropped
    /// and the gradient done again on the CPU, from the sums as they were before.
    /// </summary>
    public void Gradient(BulkParameters bulk, TransferParameters free, double[] gStar, double[]? gTell, double[] gBulk)
    {
        if (_device is null) { GradientOnce(bulk, free, gStar, gTell, gBulk); return; }
        // Only gBulk and gTell are added to before the last device call; gStar after it.
        var bulk0 = (double[])gBulk.Clone();
        var tell0 = (double[]?)gTell?.Clone();
        try { GradientOnce(bulk, free, gStar, gTell, gBulk); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            FallBack(e);
            bulk0.CopyTo(gBulk, 0);
            tell0?.CopyTo(gTell!, 0);
            GradientOnce(bulk, free, gStar, gTell, gBulk);
        }
    }

    private void GradientOnce(BulkParameters bulk, TransferParameters free, double[] gStar, double[]? gTell, double[] gBulk)
    {
        for (int i = 0; i < _b.Length; i++) _gB[i] = _weight[i] > 0 ? _weight[i] * (_m[i] - _data[i]) * Continuum.At(i) : 0;
        if (free.HasFlag(TransferParameters.Resolution))
            gBulk[2] += _device?.LnResolvingPowerGradient(_gB, _f) ?? Instrument.LnResolvingPowerGradient(_gB, _f);
        Array.Clear(_gF);
        if (_device is not null) _device.BinAdjoint(_gB, _gF); else Instrument.ApplyAdjoint(_gB, _gF);
        int from = Instrument.FirstFine, to = Instrument.EndFine;

        if (gTell is not null && _tellKernels is not null)
        {
            var q = new double[_f.Length];
            for (int k = from; k < to; k++) q[k] = _gF[k] * _f[k]; // ∂/∂ln T = ∂/∂F · F
            var g = new double[4 * _tellIndex.Length];
            _tellKernels.Gradient(q, null, g, null);
            for (int j = 0; j < _tellIndex.Length; j++)
                for (int c = 0; c < 4; c++) gTell[4 * _tellIndex[j] + c] += g[4 * j + c];
        }

        for (int k = from; k < to; k++) _gF[k] *= _t[k]; // now ∂/∂(rotated S)
        if (free.HasFlag(TransferParameters.Vsini))
            gBulk[1] += (_device?.VsiniGradient(_gF, _s, from, to) ?? _rotation!.VsiniGradient(_gF, _s, from, to)) * (bulk.VsiniParameter < 0 ? -1 : 1);

        bool lines = (free & (TransferParameters.Lines | TransferParameters.Centers | TransferParameters.RadialVelocity)) != 0;
        if (!lines || _starIndex.Length == 0) return;
        Array.Clear(_gS);
        if (_device is not null) _device.RotateAdjoint(_gF, _gS, from, to); else _rotation!.ApplyAdjoint(_gF, _gS, from, to);
        for (int k = 0; k < _s.Length; k++) _qS[k] = _gS[k] * _s[k]; // ∂/∂ln S
        var gObs = new double[4 * _starIndex.Length];
        (_starDevice ?? _starKernels).Gradient(_qS, null, gObs, null);
        double d = DopplerShift.Factor(bulk.RadialVelocity), dLnD = DopplerShift.LnFactorDerivative(bulk.RadialVelocity);
        double gRv = 0;
        for (int j = 0; j < _starIndex.Length; j++)
        {
            int g = 4 * _starIndex[j];
            double g0 = gObs[4 * j], g1 = gObs[4 * j + 1], g2 = gObs[4 * j + 2], g3 = gObs[4 * j + 3];
            gStar[g] += g0 * d;
            gStar[g + 1] += g1; gStar[g + 2] += g2; gStar[g + 3] += g3;
            gRv += (g0 * _starObs.Center[j] + g1 + g2 + g3) * dLnD;
        }
        gBulk[0] += gRv;
    }

    /// <summary>
    /// The Jacobian of the model pixels M = C·W·(T·(rot ⊛ S)) by forward differentiation through each stage, after
    /// <see cref="Evaluate"/>: for each star line its four observed-frame columns (λc′, ln a′, ln σ′, ln γ′), for each telluric
    /// line its four (λc, ln a, ln σ, ln γ), each handed to <paramref name="sink"/> as (telluric?, line of the full model,
    /// parameter, first pixel, values, count); and the dense columns of RV (Σ over lines of the stretch, see
    /// <see cref="DopplerShift"/>), v sin i (the sign of its parameter included) and ln R.
    /// </summary>
    public void Jacobian(BulkParameters bulk, bool telluric, Action<bool, int, int, int, double[], int> sink, double[] rvColumn, double[] vsiniColumn, double[] lnRColumn)
    {
        int from = Instrument.FirstFine, to = Instrument.EndFine, n = Grid.Count, h = _rotation!.Half;
        var star = _starKernels;
        if (_starDevice is not null) star.Refresh(); // the last evaluation refreshed only the device's copy
        int width = Math.Max(star.MaxWindow, (_tellKernels as LineKernels)?.MaxWindow ?? 0);
        var d = new[] { new double[width], new double[width], new double[width], new double[width] };
        var e = new double[n];
        var r = new double[n];
        var pix = new double[_b.Length];
        double dLnD = DopplerShift.LnFactorDerivative(bulk.RadialVelocity);
        Array.Clear(rvColumn);

        int Push(int k0, int k1, out int first)
        {
            int count = Instrument.ApplySparse(r, k0, k1, out first, pix);
            for (int c = 0; c < count; c++) pix[c] *= Continuum.At(first + c);
            return count;
        }

        for (int j = 0; j < _starIndex.Length; j++)
        {
            var (ks, ke) = star.Derivatives(j, d);
            if (ke <= ks) continue;
            int k0 = Math.Max(from, ks - h), k1 = Math.Min(to, ke + h);
            if (k1 <= k0) continue;
            double weightRv = 0;
            for (int p = 0; p < 4; p++)
            {
                for (int k = ks; k < ke; k++) e[k] = _s[k] * d[p][k - ks];
                for (int k = k0; k < k1; k++)
                {
                    double sum = 0;
                    for (int t = -h; t <= h; t++) { int m = k - t; if (m >= ks && m < ke) sum += _rotation.Taps[t + h] * e[m]; }
                    r[k] = sum * _t[k];
                }
                int count = Push(k0, k1, out int first);
                sink(false, _starIndex[j], p, first, pix, count);
                // ∂M/∂v = Σ_j (λc′ ∂M/∂λc′ + ∂M/∂ln a′ + ∂M/∂ln σ′ + ∂M/∂ln γ′)·d ln D/dv.
                weightRv = p == 0 ? _starObs.Center[j] * dLnD : dLnD;
                for (int c = 0; c < count; c++) rvColumn[first + c] += weightRv * pix[c];
                for (int k = ks; k < ke; k++) e[k] = 0;
                for (int k = k0; k < k1; k++) r[k] = 0;
            }
        }

        if (telluric && _tellKernels is LineKernels tk)
            for (int j = 0; j < _tellIndex.Length; j++)
            {
                var (ks, ke) = tk.Derivatives(j, d);
                int k0 = Math.Max(from, ks), k1 = Math.Min(to, ke);
                if (k1 <= k0) continue;
                for (int p = 1; p < 4; p++)
                {
                    for (int k = k0; k < k1; k++) r[k] = _f[k] * d[p][k - ks];
                    int count = Push(k0, k1, out int first);
                    sink(true, _tellIndex[j], p, first, pix, count);
                    for (int k = k0; k < k1; k++) r[k] = 0;
                }
            }

        // v sin i: C·W·(T·(dw/dv ⊛ S)); ln R: C·(dW/d ln R)·F.
        Array.Clear(r);
        for (int k = from; k < to; k++)
        {
            double sum = 0;
            for (int t = -h; t <= h; t++) sum += _rotation.Derivative[t + h] * _s[k - t];
            r[k] = sum * _t[k] * (bulk.VsiniParameter < 0 ? -1 : 1);
        }
        Array.Clear(vsiniColumn);
        int cnt = Push(from, to, out int f0);
        for (int c = 0; c < cnt; c++) vsiniColumn[f0 + c] = pix[c];
        Array.Clear(lnRColumn);
        cnt = Instrument.ApplySparse(_f, from, to, out f0, pix, derivative: true);
        for (int c = 0; c < cnt; c++) lnRColumn[f0 + c] = pix[c] * Continuum.At(f0 + c);
    }

    public void Dispose()
    {
        _starKernels.Dispose();
        _tellKernels?.Dispose();
        _starDevice?.Dispose();
        _device?.Dispose();
    }
}
