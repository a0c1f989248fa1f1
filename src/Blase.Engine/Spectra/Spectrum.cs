namespace Blase.Engine.Spectra;

/// <summary>
/// A spectrum: one or more orders (an échelle spectrum has many, a synthetic template one), the unit and medium
/// of its wavelengths, what is known about it, and the steps that made it (provenance).
/// Operations return new spectra and leave this one unchanged.
/// </summary>
public sealed class Spectrum
{
    public Spectrum(IEnumerable<SpectralOrder> orders, WavelengthUnit unit = WavelengthUnit.Angstrom,
        WavelengthMedium medium = WavelengthMedium.Vacuum, SpectrumMetadata? metadata = null, IEnumerable<string>? provenance = null)
    {
        Orders = orders.ToArray();
        if (Orders.Count == 0) throw new BlaseDataException("a spectrum needs at least one order with pixels", metadata?.SourcePath);
        Unit = unit;
        Medium = medium;
        Metadata = metadata ?? new SpectrumMetadata();
        Provenance = (provenance ?? Array.Empty<string>()).ToArray();
    }

    /// <summary>A one-order spectrum from plain arrays.</summary>
    public static Spectrum FromArrays(double[] wavelength, double[] flux, double[]? uncertainty = null,
        WavelengthUnit unit = WavelengthUnit.Angstrom, WavelengthMedium medium = WavelengthMedium.Vacuum, SpectrumMetadata? metadata = null) =>
        new(new[] { SpectralOrder.FromArrays(0, wavelength, flux, uncertainty) }, unit, medium, metadata);

    public IReadOnlyList<SpectralOrder> Orders { get; }
    public WavelengthUnit Unit { get; }
    public WavelengthMedium Medium { get; }
    public SpectrumMetadata Metadata { get; }
    public IReadOnlyList<string> Provenance { get; }

    /// <summary>The object's name, else the source file's name.</summary>
    public string Name => Metadata.Object ?? (Metadata.SourcePath is null ? "spectrum" : System.IO.Path.GetFileName(Metadata.SourcePath));
    public int OrderCount => Orders.Count;
    public int PixelCount => Orders.Sum(o => o.PixelCount);
    public int GoodPixelCount => Orders.Sum(o => o.GoodPixelCount);
    public double MinWavelength => Orders.Min(o => o.MinWavelength);
    public double MaxWavelength => Orders.Max(o => o.MaxWavelength);

    /// <summary>All orders' wavelengths end to end (the order's own array when there is one order).</summary>
    public double[] Wavelength => Concat(o => o.Wavelength);
    public double[] Flux => Concat(o => o.Flux);
    public double[]? Uncertainty => Orders.All(o => o.Uncertainty is not null) ? Concat(o => o.Uncertainty!) : null;
    public bool[] Mask => Orders.Count == 1 ? Orders[0].Mask : Orders.SelectMany(o => o.Mask).ToArray();

    private double[] Concat(Func<SpectralOrder, double[]> pick) =>
        Orders.Count == 1 ? pick(Orders[0]) : Orders.SelectMany(pick).ToArray();

    private Spectrum With(IEnumerable<SpectralOrder> orders, string step, WavelengthUnit? unit = null, WavelengthMedium? medium = null) =>
        new(orders, unit ?? Unit, medium ?? Medium, Metadata.Clone(), Provenance.Append(step));

    /// <summary>A copy that records one more step in its provenance.</summary>
    public Spectrum WithStep(string step) => With(Orders, step);

    /// <summary>Only the pixels with min ≤ λ ≤ max (in this spectrum's unit); orders left empty are dropped.</summary>
    public Spectrum Crop(double min, double max)
    {
        if (!(max > min)) throw new ArgumentException($"the wavelength range must have max > min (got {min}..{max})");
        var kept = Orders.Select(o => o.Crop(min, max)).Where(o => o is not null).Select(o => o!).ToArray();
        if (kept.Length == 0)
            throw new BlaseDataException(
                $"no pixels between {min} and {max} {WavelengthUnits.Symbol(Unit)} (the spectrum spans {MinWavelength}..{MaxWavelength})",
                Metadata.SourcePath);
        return With(kept, $"cropped to {min}..{max} {WavelengthUnits.Symbol(Unit)}");
    }

    /// <summary>The orders with the given numbers, in the order asked.</summary>
    public Spectrum SelectOrders(IEnumerable<int> numbers)
    {
        var wanted = numbers.ToArray();
        var byNumber = Orders.ToDictionary(o => o.Number);
        var missing = wanted.Where(n => !byNumber.ContainsKey(n)).ToArray();
        if (missing.Length > 0)
            throw new BlaseDataException(
                $"no order {string.Join(", ", missing)} (orders are {Orders[0].Number}..{Orders[^1].Number})", Metadata.SourcePath);
        return With(wanted.Select(n => byNumber[n]), $"selected orders {string.Join(",", wanted)}");
    }

    public Spectrum ToUnit(WavelengthUnit unit)
    {
        if (unit == Unit) return this;
        double k = WavelengthUnits.AngstromsPer(Unit) / WavelengthUnits.AngstromsPer(unit);
        return With(Orders.Select(o => o.WithWavelength(o.Wavelength.Select(w => w * k).ToArray())),
            $"wavelength unit {WavelengthUnits.Symbol(Unit)} -> {WavelengthUnits.Symbol(unit)}", unit: unit);
    }

    public Spectrum ToAir() => ToMedium(WavelengthMedium.Air);
    public Spectrum ToVacuum() => ToMedium(WavelengthMedium.Vacuum);

    /// <summary>Converts wavelengths between air and vacuum with <see cref="AirVacuum"/> (Morton 2000).</summary>
    public Spectrum ToMedium(WavelengthMedium medium)
    {
        if (medium == Medium) return this;
        double toA = WavelengthUnits.AngstromsPer(Unit);
        Func<double, double> f = medium == WavelengthMedium.Air ? AirVacuum.VacuumToAir : AirVacuum.AirToVacuum;
        return With(Orders.Select(o => o.WithWavelength(o.Wavelength.Select(w => f(w * toA) / toA).ToArray())),
            $"{Medium.ToString().ToLowerInvariant()} -> {medium.ToString().ToLowerInvariant()} wavelengths (Morton 2000)", medium: medium);
    }

    /// <summary>Divides each order (or the whole spectrum) by the median of its good pixels.</summary>
    public Spectrum NormalizeByMedian(bool perOrder = true)
    {
        double global = perOrder ? 0 : Statistics.Median(Orders.SelectMany(o => o.Flux.Where((_, i) => o.Mask[i])));
        var orders = Orders.Select(o =>
        {
            double m = perOrder ? Statistics.Median(o.Flux.Where((_, i) => o.Mask[i])) : global;
            if (!(double.IsFinite(m) && m != 0)) throw new BlaseDataException($"order {o.Number}: median flux is {m}; cannot normalize", Metadata.SourcePath);
            return o.Scaled(_ => 1.0 / m);
        });
        return With(orders, perOrder ? "divided each order by its median flux" : "divided by the median flux");
    }

    public override string ToString() =>
        $"{Name}: {OrderCount} order(s), {PixelCount} px, {MinWavelength:G7}–{MaxWavelength:G7} {WavelengthUnits.Symbol(Unit)} ({Medium.ToString().ToLowerInvariant()})";
}
