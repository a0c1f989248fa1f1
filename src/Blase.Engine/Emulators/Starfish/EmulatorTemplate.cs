using Blase.Engine.Spectra;

namespace Blase.Engine.Emulators.Starfish;

/// <summary>
/// Templates from a PCA + GP emulator as spectra: the mean flux with the emulator's per-pixel σ as the uncertainty, or one
/// draw from its distribution; stellar labels given by name (Teff, LogG, Metallicity, Alpha, with the usual aliases) are put
/// in the emulator's own label order.
/// </summary>
public static class EmulatorTemplate
{
    private static readonly Dictionary<string, string> Canonical = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Teff"] = "Teff", ["T"] = "Teff", ["T_eff"] = "Teff",
        ["LogG"] = "LogG", ["log_g"] = "LogG", ["g"] = "LogG",
        ["Metallicity"] = "Metallicity", ["Z"] = "Metallicity", ["[Fe/H]"] = "Metallicity", ["FeH"] = "Metallicity", ["M_H"] = "Metallicity",
        ["Alpha"] = "Alpha", ["[a/Fe]"] = "Alpha", ["a"] = "Alpha",
    };

    private static string Canon(string name) => Canonical.TryGetValue(name, out var c) ? c : name;

    /// <summary>
    /// The label vector, in the emulator's order, from labels given by name. Every label the emulator takes must be given;
    /// a label it does not take is accepted only when the grid held it at that very value (α = 0 in most grids).
    /// </summary>
    public static double[] Labels(ISpectralEmulator emulator, IReadOnlyDictionary<string, double> named)
    {
        var fixedLabels = (emulator as PcaGpEmulator)?.FixedLabels ?? new Dictionary<string, double>();
        var given = named.ToDictionary(kv => Canon(kv.Key), kv => kv.Value, StringComparer.OrdinalIgnoreCase);
        int count = emulator.LabelNames.Count;
        var labels = new double[count];
        for (int d = 0; d < count; d++)
        {
            if (!given.Remove(Canon(emulator.LabelNames[d]), out labels[d]))
                throw new ArgumentException($"the emulator needs {emulator.LabelNames[d]} (its labels are {string.Join(", ", emulator.LabelNames)})");
        }
        foreach (var (name, value) in given)
        {
            var fixedLabel = fixedLabels.FirstOrDefault(kv => string.Equals(Canon(kv.Key), name, StringComparison.OrdinalIgnoreCase));
            if (fixedLabel.Key is null)
                throw new ArgumentException($"the emulator does not take {name} (its labels are {string.Join(", ", emulator.LabelNames)})");
            if (Math.Abs(fixedLabel.Value - value) > 1e-9 * Math.Max(1, Math.Abs(value)))
                throw new ArgumentOutOfRangeException($"the emulator's grid has {name} = {fixedLabel.Value:G6} throughout; it cannot give {name} = {value:G6}", (Exception?)null);
        }
        return labels;
    }

    /// <summary>True when every label lies within the emulator's range.</summary>
    public static bool Contains(ISpectralEmulator emulator, IReadOnlyList<double> labels)
    {
        if (emulator is PcaGpEmulator pcaGp) return pcaGp.Contains(labels);
        if (labels.Count != emulator.LabelNames.Count) return false;
        for (int d = 0; d < labels.Count; d++)
        {
            double tol = 1e-9 * Math.Max(1, Math.Abs(emulator.LabelMax[d] - emulator.LabelMin[d]));
            if (!(labels[d] >= emulator.LabelMin[d] - tol && labels[d] <= emulator.LabelMax[d] + tol)) return false;
        }
        return true;
    }

    /// <summary>
    /// A one-order spectrum from any emulator: a PCA + GP emulator's as below; a network's flux (it has no uncertainty to give, and
    /// nothing to draw from). Labels outside its range are refused unless <paramref name="extrapolate"/>.
    /// </summary>
    public static Spectrum ToSpectrum(ISpectralEmulator emulator, IReadOnlyList<double> labels, Random? random = null, bool extrapolate = false, string? name = null)
    {
        if (emulator is PcaGpEmulator pcaGp) return ToSpectrum(pcaGp, labels, random, extrapolate);
        if (labels.Count != emulator.LabelNames.Count)
            throw new ArgumentException($"the emulator takes {emulator.LabelNames.Count} labels ({string.Join(", ", emulator.LabelNames)}), got {labels.Count}");
        if (random is not null) throw new ArgumentException("a neural-network emulator gives one spectrum per labels: it has no distribution to draw from");
        bool inside = Contains(emulator, labels);
        if (!inside && !extrapolate)
        {
            var outside = Enumerable.Range(0, labels.Count).Where(d => labels[d] < emulator.LabelMin[d] || labels[d] > emulator.LabelMax[d])
                .Select(d => $"{emulator.LabelNames[d]} {labels[d]:G6} is outside {emulator.LabelMin[d]:G6}..{emulator.LabelMax[d]:G6}");
            throw new ArgumentOutOfRangeException($"{string.Join("; ", outside)}: the network was trained inside this range (ask for extrapolation to go beyond it)", (Exception?)null);
        }
        var wave = emulator.PixelWavelength ?? throw new ArgumentException("the emulator has no wavelengths (for a Payne network, give its wavelength archive)");
        string at = EmulatorGrid.Describe(emulator.LabelNames, labels);
        var meta = new SpectrumMetadata { Object = $"{name ?? "network"} at {at}", Instrument = name, SourceFormat = emulator.GetType().Name };
        Annotate(meta, emulator.LabelNames, labels, new Dictionary<string, double>());
        meta.Extra["Extrapolated"] = !inside;
        var mask = emulator.PixelMask?.Select(m => !m).ToArray();
        return new Spectrum(new[] { SpectralOrder.FromArrays(0, (double[])wave.Clone(), emulator.FluxAt(labels), null, mask) },
            WavelengthUnit.Angstrom, emulator.Medium, meta, new[] { $"emulated at {at} by a neural network{(inside ? "" : " (extrapolated outside its training range)")}" });
    }

    private static void Annotate(SpectrumMetadata meta, IReadOnlyList<string> names, IReadOnlyList<double> labels, IReadOnlyDictionary<string, double> fixedLabels)
    {
        foreach (var (name, value) in names.Zip(labels).Concat(fixedLabels.Select(kv => (kv.Key, kv.Value))))
        {
            switch (Canon(name))
            {
                case "Teff": meta.Teff = value; break;
                case "LogG": meta.LogG = value; break;
                case "Metallicity": meta.Metallicity = value; break;
                case "Alpha": meta.Alpha = value; break;
                default: meta.Extra[name] = value; break;
            }
        }
    }

    /// <summary>A one-order spectrum: the mean flux with σ as its uncertainty, or (with <paramref name="random"/>) one draw.</summary>
    public static Spectrum ToSpectrum(PcaGpEmulator emulator, IReadOnlyList<double> labels, Random? random = null, bool extrapolate = false)
    {
        var p = emulator.Predict(labels, extrapolate);
        var flux = random is null ? p.Flux : emulator.Sample(labels, random, extrapolate);
        string at = EmulatorGrid.Describe(emulator.LabelNames, labels);
        var meta = new SpectrumMetadata
        {
            Object = $"{emulator.Name ?? "emulator"} at {at}",
            Instrument = emulator.Name,
            SourcePath = emulator.SourcePath,
            SourceFormat = "PcaGpEmulator",
        };
        Annotate(meta, emulator.LabelNames, labels, emulator.FixedLabels);
        meta.Extra["EmulatorSample"] = random is not null;
        meta.Extra["Extrapolated"] = p.Extrapolated;
        string step = random is null
            ? $"emulated at {at}: mean flux of a PCA-GP emulator ({emulator.ComponentCount} components, {emulator.GridCount} grid spectra), uncertainty its 1σ"
            : $"drawn at {at} from a PCA-GP emulator ({emulator.ComponentCount} components, {emulator.GridCount} grid spectra)";
        if (p.Extrapolated) step += " (extrapolated outside the grid)";
        return new Spectrum(new[] { SpectralOrder.FromArrays(0, (double[])emulator.Wavelength.Clone(), flux, p.Sigma) },
            WavelengthUnit.Angstrom, emulator.Medium, meta, new[] { step });
    }
}
