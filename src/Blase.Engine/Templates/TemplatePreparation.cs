using Blase.Engine.Spectra;
using MathNet.Numerics.Interpolation;

namespace Blase.Engine.Templates;

/// <summary>A template ready to clone: flux ≈ 1 in the continuum, and the continuum it was divided by.</summary>
public sealed record PreparedTemplate(Spectrum Spectrum, double[] Continuum);

/// <summary>
/// Prepares a synthetic template for cloning: divide by a Planck function at its Teff, by the median, and by a smooth
/// continuum through the upper envelope. The envelope is the highest pixel in each bin (default 10 Å), joined by an Akima
/// spline; bins that fall in the wings of broad lines (hydrogen, Na D, Mg b, Ca II H, K and the IR triplet) are left out,
/// so the continuum bridges them and the broad lines stay in the template instead of being divided away.
/// Every step is recorded in the result's provenance.
/// </summary>
public static class TemplatePreparation
{
    /// <summary>Broad lines (vacuum Å) and the half-width (Å) of the region kept free of continuum anchors.</summary>
    public static readonly IReadOnlyList<(string Name, double Center, double HalfWidth)> BroadLines = Array.AsReadOnly(new (string Name, double Center, double HalfWidth)[]
    {
        ("Ca II K", 3934.78, 15), ("Ca II H", 3969.59, 15), ("H epsilon", 3971.2, 15), ("H delta", 4102.9, 20),
        ("H gamma", 4341.7, 25), ("H beta", 4862.7, 30), ("Mg b", 5176.0, 12), ("Na D", 5893.0, 6), ("H alpha", 6564.6, 35),
        ("Ca II 8500", 8500.4, 10), ("Ca II 8544", 8544.4, 12), ("Ca II 8664", 8664.5, 12), ("Pa delta", 10052.1, 25),
        ("Pa gamma", 10941.1, 25), ("Pa beta", 12821.6, 30), ("Br gamma", 21661.2, 30),
    });

    public static PreparedTemplate Prepare(Spectrum template, double? teff = null, double binAngstrom = 10)
    {
        if (template.OrderCount != 1) throw new ArgumentException("a template to clone has one order");
        var s = template.ToUnit(WavelengthUnit.Angstrom);
        var o = s.Orders[0];
        var wave = o.Wavelength;
        var flux = (double[])o.Flux.Clone();
        var steps = new List<string>(s.Provenance);
        double? t = teff ?? s.Metadata.Teff;
        if (t is double temperature)
        {
            for (int i = 0; i < flux.Length; i++) flux[i] /= Planck(wave[i], temperature);
            steps.Add($"divided by a Planck function at {temperature} K");
        }
        double median = Statistics.Median(flux.Where(double.IsFinite));
        if (!(median > 0)) throw new BlaseDataException($"the template's median flux is {median}; cannot normalize", s.Metadata.SourcePath);
        for (int i = 0; i < flux.Length; i++) flux[i] /= median;
        steps.Add("divided by the median");

        // Upper envelope: highest pixel of each bin outside broad-line regions.
        double medium = s.Medium == WavelengthMedium.Air ? 1.00028 : 1.0; // broad-line table is in vacuum
        var ax = new List<double>(); var ay = new List<double>();
        int start = 0;
        while (start < wave.Length)
        {
            int end = start;
            while (end < wave.Length && wave[end] < wave[start] + binAngstrom) end++;
            int best = -1;
            for (int i = start; i < end; i++) if (double.IsFinite(flux[i]) && (best < 0 || flux[i] > flux[best])) best = i;
            if (best >= 0 && !BroadLines.Any(b => Math.Abs(wave[best] * medium - b.Center) < b.HalfWidth)) { ax.Add(wave[best]); ay.Add(flux[best]); }
            start = end;
        }
        if (ax.Count < 5) throw new BlaseDataException($"only {ax.Count} continuum anchors: the template is too short for {binAngstrom} Å bins", s.Metadata.SourcePath);
        var spline = CubicSpline.InterpolateAkimaSorted(ax.ToArray(), ay.ToArray());
        var continuum = new double[flux.Length];
        for (int i = 0; i < flux.Length; i++)
        {
            // Beyond the outermost anchors, hold the end value rather than extrapolating the spline.
            double x = Math.Clamp(wave[i], ax[0], ax[^1]);
            continuum[i] = spline.Interpolate(x);
            flux[i] /= continuum[i];
        }
        var masked = BroadLines.Where(b => b.Center - b.HalfWidth < wave[^1] * medium && b.Center + b.HalfWidth > wave[0] * medium).Select(b => b.Name).ToList();
        steps.Add($"divided by an upper-envelope continuum ({ax.Count} anchors, {binAngstrom} Å bins, Akima spline)" +
                  (masked.Count > 0 ? $"; broad lines bridged: {string.Join(", ", masked)}" : ""));
        var order = new SpectralOrder(o.Number, wave, flux, null, o.Mask);
        var meta = s.Metadata.Clone();
        return new PreparedTemplate(new Spectrum(new[] { order }, WavelengthUnit.Angstrom, s.Medium, meta, steps), continuum);
    }

    /// <summary>B_λ(T) up to a constant factor, for λ in Å.</summary>
    public static double Planck(double wavelengthAngstrom, double temperature)
    {
        const double c2 = 1.4387768775039337e8; // hc/k in Å·K
        double x = c2 / (wavelengthAngstrom * temperature);
        double l = wavelengthAngstrom * 1e-4; // µm, to keep the numbers moderate
        return 1 / (l * l * l * l * l * (Math.Exp(x) - 1));
    }
}

