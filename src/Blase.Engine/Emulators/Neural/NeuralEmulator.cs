using System.IO.Compression;
using Blase.Engine.IO.Formats;
using Blase.Engine.Spectra;

namespace Blase.Engine.Emulators.Neural;

/// <summary>
/// A fully connected spectral emulator in the layout of the current The Payne (Ting et al. 2019): labels scaled to
/// x' = (x − x_min)/(x_max − x_min) − 0.5, then h₁ = LeakyReLU(W₀x' + b₀), h₂ = LeakyReLU(W₁h₁ + b₁), flux = W₂h₂ + b₂, with
/// LeakyReLU(z) = max(z, 0.01 z) and, as The Payne has it, 300 units in each hidden layer. Weights are stored as The Payne
/// stores them ([out][in], row-major: w_array_0 (300, labels), w_array_1 (300, 300), w_array_2 (pixels, 300), b_array_0..2,
/// x_min, x_max), so its .npz files load here and the ones saved here load in The Payne.
/// </summary>
public sealed class NeuralEmulator : ISpectralEmulator
{
    /// <summary>The slope of LeakyReLU below zero.</summary>
    public const double LeakySlope = 0.01;

    private readonly double[][] _weights, _biases;

    public NeuralEmulator(IReadOnlyList<string> labelNames, double[] labelMin, double[] labelMax, double[][] weights, double[][] biases,
        double[]? wavelength = null, bool[]? mask = null, WavelengthMedium medium = WavelengthMedium.Vacuum)
    {
        if (weights.Length != 3 || biases.Length != 3) throw new BlaseDataException("a fully connected Payne network has three layers (w_array_0..2, b_array_0..2)");
        int labels = labelMin.Length;
        if (labelMax.Length != labels || labelNames.Count != labels) throw new BlaseDataException("x_min, x_max and the label names disagree in length");
        var sizes = new int[4];
        sizes[0] = labels;
        for (int l = 0; l < 3; l++)
        {
            sizes[l + 1] = biases[l].Length;
            if (weights[l].Length != sizes[l + 1] * sizes[l])
                throw new BlaseDataException($"w_array_{l} has {weights[l].Length} values; layer {l} maps {sizes[l]} inputs to {sizes[l + 1]} outputs");
        }
        if (wavelength is not null && wavelength.Length != sizes[3]) throw new BlaseDataException($"{wavelength.Length} wavelengths for a network of {sizes[3]} pixels");
        if (mask is not null && mask.Length != sizes[3]) throw new BlaseDataException($"{mask.Length} mask values for a network of {sizes[3]} pixels");
        LabelNames = labelNames.ToArray(); LabelMin = labelMin; LabelMax = labelMax;
        _weights = weights; _biases = biases; LayerSizes = sizes;
        Wavelength = wavelength; Mask = mask; Medium = medium;
    }

    public IReadOnlyList<string> LabelNames { get; }
    public double[] LabelMin { get; }
    public double[] LabelMax { get; }
    /// <summary>Labels, hidden layers, pixels.</summary>
    public int[] LayerSizes { get; }
    public int LabelCount => LayerSizes[0];
    public int HiddenCount => LayerSizes[1];
    public int PixelCount => LayerSizes[3];
    public double[]? Wavelength { get; }
    /// <summary>True for pixels to ignore in fits.</summary>
    public bool[]? Mask { get; }
    public WavelengthMedium Medium { get; }
    public string? SourcePath { get; init; }
    /// <summary>How training went (null for a network read from a file).</summary>
    public NeuralTraining? Training { get; init; }
    /// <summary>W_l as [out][in], row-major.</summary>
    public IReadOnlyList<double[]> Weights => _weights;
    public IReadOnlyList<double[]> Biases => _biases;

    /// <summary>The flux at the labels (physical units, as x_min/x_max).</summary>
    public double[] Evaluate(IReadOnlyList<double> labels)
    {
        if (labels.Count != LabelCount) throw new ArgumentException($"the network takes {LabelCount} labels ({string.Join(", ", LabelNames)}), got {labels.Count}");
        var x = new double[LabelCount];
        for (int k = 0; k < LabelCount; k++) x[k] = (labels[k] - LabelMin[k]) / (LabelMax[k] - LabelMin[k]) - 0.5;
        var h1 = Layer(0, x, leaky: true);
        var h2 = Layer(1, h1, leaky: true);
        return Layer(2, h2, leaky: false);
    }

    private double[] Layer(int l, double[] input, bool leaky)
    {
        int n = LayerSizes[l + 1], m = LayerSizes[l];
        var w = _weights[l]; var b = _biases[l];
        var output = new double[n];
        void Row(int j)
        {
            double z = b[j];
            int row = j * m;
            for (int i = 0; i < m; i++) z += w[row + i] * input[i];
            output[j] = leaky && z < 0 ? LeakySlope * z : z;
        }
        if (n * m < 100_000) for (int j = 0; j < n; j++) Row(j);
        else Parallel.For(0, n, Row);
        return output;
    }

    /// <summary>
    /// Writes The Payne's key layout (float64), with the wavelengths as 'wavelength', the mask as 'mask' (1 = ignore), and the
    /// label names and the wavelengths' medium as text entries, which The Payne ignores.
    /// </summary>
    public void Save(string path)
    {
        var (arrays, text) = Contents();
        NpzWriter.Write(path, arrays, text);
    }

    /// <summary>The arrays and text entries of the .npz (a checkpoint adds its state to them: <see cref="NeuralCheckpoint"/>).</summary>
    internal (List<(string Name, int[] Shape, double[] Values)> Arrays, Dictionary<string, string> Text) Contents()
    {
        var arrays = new List<(string Name, int[] Shape, double[] Values)>();
        for (int l = 0; l < 3; l++)
        {
            arrays.Add(($"w_array_{l}", new[] { LayerSizes[l + 1], LayerSizes[l] }, _weights[l]));
            arrays.Add(($"b_array_{l}", new[] { LayerSizes[l + 1] }, _biases[l]));
        }
        arrays.Add(("x_min", new[] { LabelCount }, LabelMin));
        arrays.Add(("x_max", new[] { LabelCount }, LabelMax));
        if (Wavelength is not null) arrays.Add(("wavelength", new[] { PixelCount }, Wavelength));
        if (Mask is not null) arrays.Add(("mask", new[] { PixelCount }, Mask.Select(m => m ? 1.0 : 0.0).ToArray()));
        return (arrays, new Dictionary<string, string> { [LabelNamesEntry] = string.Join("\n", LabelNames), [MediumEntry] = Medium.ToString() });
    }

    private const string LabelNamesEntry = "label_names.txt", MediumEntry = "medium.txt";

    /// <summary>True when the archive holds a fully connected network (2-D w_array_0), not the 2018 per-pixel one.</summary>
    public static bool IsFullyConnected(string path)
    {
        var archive = NpyArchive.Read(path);
        return archive.TryGetValue("w_array_0", out var w) && w.Shape.Length == 2 && archive.ContainsKey("w_array_2");
    }

    /// <summary>Reads a fully connected network from The Payne's .npz layout (optionally with wavelength and mask archives).</summary>
    public static NeuralEmulator Load(string path, string? wavelengthPath = null, string? maskPath = null)
    {
        var a = NpyArchive.Read(path);
        NpyArray Need(string key) => a.TryGetValue(key, out var v) ? v : throw new BlaseDataException($"has no array '{key}' (not a fully connected Payne network?)", path);
        var weights = Enumerable.Range(0, 3).Select(l => Need($"w_array_{l}").Values).ToArray();
        var biases = Enumerable.Range(0, 3).Select(l => Need($"b_array_{l}").Values).ToArray();
        var xMin = Need("x_min").Values; var xMax = Need("x_max").Values;
        double[]? wave = a.TryGetValue("wavelength", out var wv) ? wv.Values : null;
        bool[]? mask = a.TryGetValue("mask", out var mk) ? mk.Values.Select(v => v != 0).ToArray() : null;
        if (wavelengthPath is not null) wave = NpyArchive.Read(wavelengthPath).Values.First().Values;
        if (maskPath is not null) mask = NpyArchive.Read(maskPath).Values.First().Values.Select(v => v != 0).ToArray();
        string[]? names = null;
        var medium = WavelengthMedium.Vacuum; // The Payne's APOGEE networks
        using (var zip = ZipFile.OpenRead(path))
        {
            string? Text(string name)
            {
                var entry = zip.GetEntry(name);
                if (entry is null) return null;
                using var reader = new StreamReader(entry.Open());
                return reader.ReadToEnd();
            }
            names = Text(LabelNamesEntry)?.Split('\n');
            if (names is not null && names.Length != xMin.Length) names = null;
            if (Text(MediumEntry) is { } m && Enum.TryParse<WavelengthMedium>(m.Trim(), out var parsed)) medium = parsed;
        }
        names ??= Enumerable.Range(0, xMin.Length).Select(k => $"Label{k}").ToArray();
        try
        {
            return new NeuralEmulator(names, xMin, xMax, weights, biases, wave, mask, medium) { SourcePath = Path.GetFullPath(path) };
        }
        catch (BlaseDataException e) { throw new BlaseDataException(e.Message, path, e); }
    }

    double[]? ISpectralEmulator.PixelWavelength => Wavelength;
    bool[]? ISpectralEmulator.PixelMask => Mask;
    double[] ISpectralEmulator.FluxAt(IReadOnlyList<double> labels) => Evaluate(labels);
    EmulatorCovariance? ISpectralEmulator.CovarianceAt(IReadOnlyList<double> labels) => null;

    public override string ToString() =>
        $"neural emulator: {LabelCount} labels ({string.Join(", ", LabelNames)}) → {HiddenCount} → {LayerSizes[2]} → {PixelCount} px";
}

/// <summary>How a network's training went.</summary>
public sealed record NeuralTraining(int Epochs, int Steps, int BestEpoch, double TrainingLoss, double ValidationLoss, string ExitCondition,
    TimeSpan Elapsed, int TrainingCount, int ValidationCount, string Device)
{
    /// <summary>The device fault after which training carried on on the CPU, when there was one (null when there was none).</summary>
    public string? DeviceFault { get; init; }
    /// <summary>Epochs whose loss came out non-finite: each was taken back to the best network, Adam's moments cleared and the
    /// learning rate halved.</summary>
    public int NonFiniteEpochs { get; init; }
}
