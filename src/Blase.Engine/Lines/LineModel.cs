namespace Blase.Engine.Lines;

/// <summary>How lines combine into a spectrum.</summary>
public enum CombinationMode
{
    /// <summary>S = Π (1 − a·V), evaluated as exp Σ ln(1 − a·V) with a·V clamped below 1 − 1e-9 (blasé).</summary>
    Linear,
    /// <summary>S = exp(−Σ a·V): opacity-like, for saturated and telluric lines.</summary>
    Log,
}

/// <summary>
/// A spectrum as a product of absorption lines times a smooth continuum. Each line has a centre λc (Å) and
/// ln a, ln σ, ln γ (a in Å, since the profile has unit area; σ, γ in Å), the convention of blasé's saved models.
/// The continuum is a Chebyshev series over [ContinuumMin, ContinuumMax]. Each line touches only the pixels where
/// a·V exceeds <see cref="Tolerance"/> (or a fixed window of <see cref="WingCut"/> pixels).
/// </summary>
public sealed class LineModel
{
    public const int FormatVersion = 1;

    public LineModel(double[] center, double[] lnAmplitude, double[] lnSigma, double[] lnGamma,
        ProfileShape profile = ProfileShape.PseudoVoigt, CombinationMode mode = CombinationMode.Linear,
        double[]? continuum = null, double continuumMin = 0, double continuumMax = 1)
    {
        int n = center.Length;
        if (lnAmplitude.Length != n || lnSigma.Length != n || lnGamma.Length != n)
            throw new ArgumentException("every line needs a centre, an amplitude, a σ and a γ");
        Center = center; LnAmplitude = lnAmplitude; LnSigma = lnSigma; LnGamma = lnGamma;
        Profile = profile; Mode = mode;
        Continuum = continuum ?? new[] { 1.0 };
        ContinuumMin = continuumMin; ContinuumMax = continuumMax;
    }

    public double[] Center { get; }
    public double[] LnAmplitude { get; }
    public double[] LnSigma { get; }
    public double[] LnGamma { get; }
    public ProfileShape Profile { get; }
    public CombinationMode Mode { get; }
    public double[] Continuum { get; }
    public double ContinuumMin { get; }
    public double ContinuumMax { get; }
    /// <summary>A line's window ends where a·V falls below this (in units of the continuum).</summary>
    public double Tolerance { get; set; } = 1e-5;
    /// <summary>When set, every line spans this many pixels centred on it instead (blasé's wing_cut).</summary>
    public int? WingCut { get; set; }
    /// <summary>Where the model came from: template name, preparation and training steps.</summary>
    public List<string> Provenance { get; } = new();
    public string? Name { get; set; }

    /// <summary>How the model was cloned (lines found, training, RMS), when it was.</summary>
    public Fitting.CloneReport? Report { get; set; }

    public int Count => Center.Length;

    public LineModel Clone()
    {
        var m = new LineModel((double[])Center.Clone(), (double[])LnAmplitude.Clone(), (double[])LnSigma.Clone(), (double[])LnGamma.Clone(),
            Profile, Mode, (double[])Continuum.Clone(), ContinuumMin, ContinuumMax) { Tolerance = Tolerance, WingCut = WingCut, Name = Name, Report = Report };
        m.Provenance.AddRange(Provenance);
        return m;
    }

    /// <summary>A model of some of these lines (copies of their parameters, in the order given), with the same profile, mode
    /// and windows, without the continuum.</summary>
    internal LineModel Subset(IReadOnlyList<int> lines) =>
        new(lines.Select(j => Center[j]).ToArray(), lines.Select(j => LnAmplitude[j]).ToArray(),
            lines.Select(j => LnSigma[j]).ToArray(), lines.Select(j => LnGamma[j]).ToArray(), Profile, Mode)
        { Tolerance = Tolerance, WingCut = WingCut };

    public LineShape Shape(int line) => new(Profile, Math.Exp(LnSigma[line]), Math.Exp(LnGamma[line]));

    /// <summary>The continuum's abscissa in [−1, 1].</summary>
    public double ContinuumX(double wavelength) =>
        ContinuumMax > ContinuumMin ? (2 * wavelength - ContinuumMin - ContinuumMax) / (ContinuumMax - ContinuumMin) : 0;

    public double ContinuumAt(double wavelength)
    {
        double x = ContinuumX(wavelength), t0 = 1, t1 = x, sum = Continuum[0];
        for (int k = 1; k < Continuum.Length; k++)
        {
            sum += Continuum[k] * t1;
            (t0, t1) = (t1, 2 * x * t1 - t0);
        }
        return sum;
    }

    /// <summary>The model's flux on a wavelength grid (CPU, double precision).</summary>
    public double[] Evaluate(double[] wavelength) => new LineKernels(this, wavelength).Flux();

    /// <summary>What a table cell or a string shows of the model: its name, size, shape and fit.</summary>
    public override string ToString() =>
        $"{Name ?? "line model"}: {Count} lines ({Profile}, {Mode}){(Report is { } r ? $", RMS {r.RmsNative:G3}" : "")}";
}
