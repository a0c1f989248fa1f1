namespace Blase.Engine.Emulators.LabelFitting;

/// <summary>The settings of a label fit; every default lives here.</summary>
public sealed record LabelFitOptions
{
    /// <summary>Starting labels in the emulator's order; default the centre of its range (The Payne's choice).</summary>
    public double[]? InitialLabels { get; init; }
    /// <summary>Lower bounds of the labels; default the emulator's range.</summary>
    public double[]? LabelLowerBounds { get; init; }
    /// <summary>Upper bounds of the labels; default the emulator's range.</summary>
    public double[]? LabelUpperBounds { get; init; }
    /// <summary>Labels held at a value, by name (e.g. v_macro from elsewhere).</summary>
    public IReadOnlyDictionary<string, double> FixedLabels { get; init; } = new Dictionary<string, double>();
    /// <summary>The starting radial velocity (km/s); null: found by a χ² search over ±<see cref="RadialVelocitySearchKms"/>.</summary>
    public double? RadialVelocity { get; init; }
    /// <summary>Fit the radial velocity (else hold it at its start).</summary>
    public bool FitRadialVelocity { get; init; } = true;
    /// <summary>Half-width of the starting-RV search (km/s).</summary>
    public double RadialVelocitySearchKms { get; init; } = 300;
    /// <summary>How far the fitted RV may move from its start (km/s): the pixels used are those covered over this window.</summary>
    public double RadialVelocityWindowKms { get; init; } = 30;
    /// <summary>The starting (or fixed) v sin i (km/s).</summary>
    public double Vsini { get; init; }
    /// <summary>Fit v sin i (Gray's rotational kernel).</summary>
    public bool FitVsini { get; init; }
    /// <summary>Upper bound of v sin i (km/s).</summary>
    public double VsiniMaxKms { get; init; } = 100;
    /// <summary>Linear limb-darkening coefficient ε of the rotational kernel.</summary>
    public double LimbDarkening { get; init; } = 0.6;
    /// <summary>Degree of the Chebyshev continuum per order.</summary>
    public int ContinuumDegree { get; init; } = 2;
    /// <summary>Wavelength ranges (Å, in the spectrum's frame) left out of the fit.</summary>
    public IReadOnlyList<(double Min, double Max)> Exclude { get; init; } = Array.Empty<(double, double)>();
    /// <summary>Add the emulator's covariance (when it has one, PCA + GP) to the data's.</summary>
    public bool UseEmulatorCovariance { get; init; } = true;
    /// <summary>Most Newton iterations.</summary>
    public int MaxIterations { get; init; } = 50;
}
