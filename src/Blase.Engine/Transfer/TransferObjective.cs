using Blase.Engine.Lines;

namespace Blase.Engine.Transfer;

/// <summary>What one coordinate of the transfer's parameter vector is.</summary>
internal enum Slot { RadialVelocity, Vsini, LnResolvingPower, StarCenter, StarLnA, StarLnS, StarLnG, TellLnA, TellLnS, TellLnG }

/// <summary>
/// The transfer objective over all orders: ½χ² + α·prior, on a vector z of whitened free parameters, θ = θ₀ + s·z,
/// so that the prior of a line parameter is ½z² (L2) and every coordinate has a comparable scale for the optimizer.
/// The gradient is the sum of each order's adjoint (<see cref="OrderModel.Gradient"/>) and the prior's, times s.
/// </summary>
internal sealed class TransferObjective
{
    private readonly OrderModel[] _orders;
    private readonly LineModel _star, _star0;
    private readonly LineModel? _tell, _tell0;
    private readonly TransferOptions _o;
    private readonly (Slot Kind, int Line)[] _slots;
    private readonly double[] _origin, _scale;
    private readonly double[] _gStar, _gBulk = new double[3];
    private readonly double[]? _gTell;

    public TransferObjective(OrderModel[] orders, LineModel star, LineModel star0, LineModel? tell, LineModel? tell0,
        BulkParameters bulk, TransferParameters free, TransferOptions o, double priorStrength)
    {
        _orders = orders; _star = star; _star0 = star0; _tell = tell; _tell0 = tell0; _o = o;
        Bulk = bulk; Free = free; PriorStrength = priorStrength;
        var slots = new List<(Slot, int)>();
        if (free.HasFlag(TransferParameters.RadialVelocity)) slots.Add((Slot.RadialVelocity, 0));
        if (free.HasFlag(TransferParameters.Vsini)) slots.Add((Slot.Vsini, 0));
        if (free.HasFlag(TransferParameters.Resolution)) slots.Add((Slot.LnResolvingPower, 0));
        var used = orders.SelectMany(m => m.StarLines).Distinct().Order().ToArray();
        foreach (int j in used)
        {
            if (free.HasFlag(TransferParameters.Centers)) slots.Add((Slot.StarCenter, j));
            if (free.HasFlag(TransferParameters.Amplitudes)) slots.Add((Slot.StarLnA, j));
            if (free.HasFlag(TransferParameters.Widths)) { slots.Add((Slot.StarLnS, j)); slots.Add((Slot.StarLnG, j)); }
        }
        if (tell is not null && free.HasFlag(TransferParameters.Telluric))
            for (int j = 0; j < tell.Count; j++)
                if (!HoldsTelluric(tell0 ?? tell, j, o)) { slots.Add((Slot.TellLnA, j)); slots.Add((Slot.TellLnS, j)); slots.Add((Slot.TellLnG, j)); }
        _slots = slots.ToArray();
        _origin = _slots.Select(s => Get(s)).ToArray();
        _scale = _slots.Select(s => Scale(s.Kind)).ToArray();
        _gStar = new double[4 * star.Count];
        _gTell = tell is null ? null : new double[4 * tell.Count];
        Lines = used;
    }

    /// <summary>
    /// Whether telluric line j stays at its cloned value though the tellurics are free: its FWHM exceeds
    /// <see cref="TransferOptions.TelluricMaxFreeFwhm"/> resolution elements. A transmission spectrum sampled at the
    /// instrument's pixels clones into lines as wide as the LSF plus a few pseudo-lines for its broad depressions (up to
    /// 36 Å in the TelFit HPF template). Freed beside the per-order continuum, those trade with it and ran away on Barnard's
    /// star (amplitudes × 100 at χ²/ν ≈ 20), leaving HPF order 3 an RV σ of 0.005 km/s where the same order without them
    /// gives 0.11.
    /// </summary>
    internal static bool HoldsTelluric(LineModel tell, int j, TransferOptions o) =>
        tell.Shape(j).Fwhm > o.TelluricMaxFreeFwhm * tell.Center[j] / o.ResolvingPower;

    public BulkParameters Bulk { get; }
    public TransferParameters Free { get; }
    public double PriorStrength { get; set; }
    public int Dimension => _slots.Length;
    public IReadOnlyList<int> Lines { get; }
    public int Evaluations { get; private set; }
    public double LastChiSquare { get; private set; }

    private double Scale(Slot k) => k switch
    {
        Slot.RadialVelocity => 0.05,
        Slot.Vsini => 0.2,
        Slot.LnResolvingPower => 0.01,
        Slot.StarCenter => _o.CenterScaleAngstrom,
        Slot.StarLnA or Slot.TellLnA => _o.LnAmplitudeScale,
        Slot.StarLnS or Slot.TellLnS => _o.LnSigmaScale,
        _ => _o.LnGammaScale,
    };

    private double Get((Slot Kind, int Line) s) => s.Kind switch
    {
        Slot.RadialVelocity => Bulk.RadialVelocity,
        Slot.Vsini => Bulk.VsiniParameter,
        Slot.LnResolvingPower => Bulk.LnResolvingPower,
        Slot.StarCenter => _star.Center[s.Line],
        Slot.StarLnA => _star.LnAmplitude[s.Line],
        Slot.StarLnS => _star.LnSigma[s.Line],
        Slot.StarLnG => _star.LnGamma[s.Line],
        Slot.TellLnA => _tell!.LnAmplitude[s.Line],
        Slot.TellLnS => _tell!.LnSigma[s.Line],
        _ => _tell!.LnGamma[s.Line],
    };

    private void Set((Slot Kind, int Line) s, double v)
    {
        switch (s.Kind)
        {
            case Slot.RadialVelocity: Bulk.RadialVelocity = Math.Clamp(v, Bulk.RadialVelocityStart - Bulk.RadialVelocityReach, Bulk.RadialVelocityStart + Bulk.RadialVelocityReach); break;
            case Slot.Vsini: Bulk.VsiniParameter = Math.Clamp(v, -_o.VsiniMax, _o.VsiniMax); break;
            case Slot.LnResolvingPower: Bulk.LnResolvingPower = v; break;
            case Slot.StarCenter: _star.Center[s.Line] = v; break;
            case Slot.StarLnA: _star.LnAmplitude[s.Line] = v; break;
            case Slot.StarLnS: _star.LnSigma[s.Line] = v; break;
            case Slot.StarLnG: _star.LnGamma[s.Line] = v; break;
            case Slot.TellLnA: _tell!.LnAmplitude[s.Line] = v; break;
            case Slot.TellLnS: _tell!.LnSigma[s.Line] = v; break;
            default: _tell!.LnGamma[s.Line] = v; break;
        }
    }

    private bool IsLine(Slot k) => k >= Slot.StarCenter;

    private double Prior(Slot k, int line) => k switch
    {
        Slot.StarCenter => _star0.Center[line],
        Slot.StarLnA => _star0.LnAmplitude[line],
        Slot.StarLnS => _star0.LnSigma[line],
        Slot.StarLnG => _star0.LnGamma[line],
        Slot.TellLnA => _tell0!.LnAmplitude[line],
        Slot.TellLnS => _tell0!.LnSigma[line],
        _ => _tell0!.LnGamma[line],
    };

    /// <summary>The whitened vector of the current parameters.</summary>
    public double[] Current() => _slots.Select((s, i) => (Get(s) - _origin[i]) / _scale[i]).ToArray();

    public void Apply(double[] z)
    {
        for (int i = 0; i < _slots.Length; i++) Set(_slots[i], _origin[i] + _scale[i] * z[i]);
    }

    public (Slot Kind, int Line) SlotAt(int i) => _slots[i];
    public LineModel Star => _star;
    public LineModel? Telluric => _tell;
    public IReadOnlyList<OrderModel> Orders => _orders;

    /// <summary>The prior's second derivative in coordinate i at z (0 for bulk coordinates).</summary>
    public double PriorCurvature(int i, double[] z)
    {
        var (kind, line) = _slots[i];
        if (!IsLine(kind) || PriorStrength <= 0) return 0;
        if (_o.Prior == PriorKind.L2) return PriorStrength;
        double u = _origin[i] / _scale[i] + z[i] - Prior(kind, line) / _scale[i];
        const double e = 0.1;
        double r = Math.Sqrt(u * u + e * e);
        return PriorStrength * e * e / (r * r * r);
    }

    /// <summary>Physical value of coordinate i per unit of z.</summary>
    public double ScaleOf(int i) => _scale[i];
    public int IndexOf(TransferParameters bulk) => Array.FindIndex(_slots, s => s.Kind == bulk switch
    {
        TransferParameters.RadialVelocity => Slot.RadialVelocity,
        TransferParameters.Vsini => Slot.Vsini,
        TransferParameters.Resolution => Slot.LnResolvingPower,
        _ => throw new ArgumentException("not a bulk parameter", nameof(bulk)),
    });
    /// <summary>The line (of the star model, or the telluric's offset by the star's count) a coordinate belongs to, or −1.</summary>
    public int LineOf(int i) => _slots[i].Kind switch
    {
        >= Slot.TellLnA => _star.Count + _slots[i].Line,
        >= Slot.StarCenter => _slots[i].Line,
        _ => -1,
    };

    /// <summary>½χ² + α·prior at z; the gradient with respect to z when <paramref name="grad"/> is given.</summary>
    public double Value(double[] z, double[]? grad, bool solveContinuum = true)
    {
        Apply(z);
        Evaluations++;
        bool tellChanged = Free.HasFlag(TransferParameters.Telluric);
        double value = 0;
        foreach (var m in _orders) value += m.Evaluate(Bulk, solveContinuum && Free.HasFlag(TransferParameters.Continuum), tellChanged);
        LastChiSquare = 2 * value;
        if (grad is not null)
        {
            Array.Clear(_gStar); Array.Clear(_gBulk);
            if (_gTell is not null) Array.Clear(_gTell);
            foreach (var m in _orders) m.Gradient(Bulk, Free, _gStar, Free.HasFlag(TransferParameters.Telluric) ? _gTell : null, _gBulk);
        }
        for (int i = 0; i < _slots.Length; i++)
        {
            var (kind, line) = _slots[i];
            double g = 0;
            if (grad is not null)
                g = kind switch
                {
                    Slot.RadialVelocity => _gBulk[0],
                    Slot.Vsini => _gBulk[1],
                    Slot.LnResolvingPower => _gBulk[2],
                    Slot.StarCenter => _gStar[4 * line],
                    Slot.StarLnA => _gStar[4 * line + 1],
                    Slot.StarLnS => _gStar[4 * line + 2],
                    Slot.StarLnG => _gStar[4 * line + 3],
                    Slot.TellLnA => _gTell![4 * line + 1],
                    Slot.TellLnS => _gTell![4 * line + 2],
                    _ => _gTell![4 * line + 3],
                } * _scale[i];
            if (IsLine(kind) && PriorStrength > 0)
            {
                double u = (Get(_slots[i]) - Prior(kind, line)) / _scale[i];
                if (_o.Prior == PriorKind.L2) { value += PriorStrength * 0.5 * u * u; g += PriorStrength * u; }
                else
                {
                    const double e = 0.1;
                    double r = Math.Sqrt(u * u + e * e);
                    value += PriorStrength * (r - e); g += PriorStrength * u / r;
                }
            }
            if (grad is not null) grad[i] = g;
        }
        return value;
    }
}
