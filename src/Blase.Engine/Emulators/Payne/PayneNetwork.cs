using Blase.Engine.IO.Formats;
using Blase.Engine.Spectra;

namespace Blase.Engine.Emulators.Payne;

/// <summary>
/// A trained The Payne network in the 2018 per-pixel layout (Ting et al. 2019): for each pixel p,
/// x' = (x − x_min)/(x_max − x_min) − 0.5; h = sigmoid(W0[p]·x' + b0[p]); flux[p] = W1[p]·h + b1[p].
/// Reads the NumPy archive The Payne ships (w_array_0, b_array_0, w_array_1, b_array_1, x_min, x_max), with the
/// optional wavelength and mask archives beside it.
/// </summary>
public sealed class PayneNetwork : ISpectralEmulator
{
    private readonly double[] _w0, _b0, _w1, _b1;

    private PayneNetwork(int pixels, int hidden, int labels, double[] w0, double[] b0, double[] w1, double[] b1, double[] xMin, double[] xMax)
    {
        PixelCount = pixels; HiddenCount = hidden; LabelCount = labels;
        _w0 = w0; _b0 = b0; _w1 = w1; _b1 = b1;
        LabelMin = xMin; LabelMax = xMax;
        LabelNames = labels == Payne2018LabelNames.Length ? Payne2018LabelNames : Enumerable.Range(0, labels).Select(k => $"Label{k}").ToArray();
    }

    /// <summary>The labels of the 2018 network (Ting et al. 2019, APOGEE): Teff (K), log g, [Fe/H], [Mg/Fe] (dex), v_macro (km/s).</summary>
    private static readonly string[] Payne2018LabelNames = { "Teff", "LogG", "Metallicity", "MgFe", "Vmacro" };

    public int PixelCount { get; }
    public int HiddenCount { get; }
    public int LabelCount { get; }
    /// <summary>The labels' names: those of the 2018 APOGEE network for a five-label file (the archive stores no names), else Label0, Label1, …</summary>
    public IReadOnlyList<string> LabelNames { get; }
    public double[] LabelMin { get; }
    public double[] LabelMax { get; }
    /// <summary>Wavelength of each pixel (Å), when a wavelength archive was found.</summary>
    public double[]? Wavelength { get; private set; }
    /// <summary>True for pixels to ignore in fits, when a mask archive was found.</summary>
    public bool[]? Mask { get; private set; }
    public string? SourcePath { get; private set; }
    /// <summary>Vacuum: The Payne's networks are trained on APOGEE spectra, whose wavelengths are in vacuum.</summary>
    public WavelengthMedium Medium => WavelengthMedium.Vacuum;

    public static PayneNetwork Load(string path, string? wavelengthPath = null, string? maskPath = null)
    {
        var a = NpyArchive.Read(path);
        NpyArray Need(string key) => a.TryGetValue(key, out var v) ? v : throw new BlaseDataException($"has no array '{key}' (not a Payne network?)", path);
        var w0 = Need("w_array_0"); var b0 = Need("b_array_0"); var w1 = Need("w_array_1"); var b1 = Need("b_array_1");
        var xMin = Need("x_min"); var xMax = Need("x_max");
        if (w0.Shape.Length != 3) throw new BlaseDataException($"w_array_0 has shape ({string.Join(",", w0.Shape)}); the per-pixel layout needs (pixels, hidden, labels)", path);
        int pixels = w0.Shape[0], hidden = w0.Shape[1], labels = w0.Shape[2];
        if (b0.Length != pixels * hidden || w1.Length != pixels * hidden || b1.Length != pixels || xMin.Length != labels || xMax.Length != labels)
            throw new BlaseDataException("the network's arrays disagree in size", path);
        var net = new PayneNetwork(pixels, hidden, labels, w0.Values, b0.Values, w1.Values, b1.Values, xMin.Values, xMax.Values) { SourcePath = Path.GetFullPath(path) };

        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        wavelengthPath ??= Path.Combine(dir, "apogee_wavelength.npz") is var w && File.Exists(w) ? w : null;
        maskPath ??= Path.Combine(dir, "apogee_mask.npz") is var m && File.Exists(m) ? m : null;
        if (wavelengthPath is not null)
        {
            var wl = NpyArchive.Read(wavelengthPath).Values.First();
            if (wl.Length != pixels) throw new BlaseDataException($"has {wl.Length} wavelengths for a network of {pixels} pixels", wavelengthPath);
            net.Wavelength = wl.Values;
        }
        if (maskPath is not null)
        {
            var mk = NpyArchive.Read(maskPath).Values.First();
            if (mk.Length != pixels) throw new BlaseDataException($"has {mk.Length} mask values for a network of {pixels} pixels", maskPath);
            net.Mask = mk.Values.Select(v => v != 0).ToArray();
        }
        return net;
    }

    /// <summary>The normalized flux the network predicts for the labels (in physical units, as in x_min/x_max).</summary>
    public double[] Evaluate(IReadOnlyList<double> labels)
    {
        if (labels.Count != LabelCount) throw new ArgumentException($"the network takes {LabelCount} labels, got {labels.Count}");
        var x = new double[LabelCount];
        for (int k = 0; k < LabelCount; k++) x[k] = (labels[k] - LabelMin[k]) / (LabelMax[k] - LabelMin[k]) - 0.5;
        var flux = new double[PixelCount];
        Parallel.For(0, PixelCount, p =>
        {
            double f = _b1[p];
            for (int h = 0; h < HiddenCount; h++)
            {
                double z = _b0[p * HiddenCount + h];
                int row = (p * HiddenCount + h) * LabelCount;
                for (int k = 0; k < LabelCount; k++) z += _w0[row + k] * x[k];
                f += _w1[p * HiddenCount + h] / (1.0 + Math.Exp(-z));
            }
            flux[p] = f;
        });
        return flux;
    }

    double[]? ISpectralEmulator.PixelWavelength => Wavelength;
    bool[]? ISpectralEmulator.PixelMask => Mask;
    double[] ISpectralEmulator.FluxAt(IReadOnlyList<double> labels) => Evaluate(labels);
    EmulatorCovariance? ISpectralEmulator.CovarianceAt(IReadOnlyList<double> labels) => null;
}
