using Blase.Engine.IO;
using Blase.Engine.Spectra;
using PureHDF;

namespace Blase.Engine.Emulators.Starfish;

/// <summary>
/// Reads and writes PCA + GP emulators in Starfish's HDF5 layout (Starfish 0.4 <c>Emulator.save/load</c>):
/// <c>grid_points</c> (N × D, attribute <c>names</c>), <c>wavelength</c> (M, attribute <c>units</c>), <c>weights</c> (N × K),
/// <c>eigenspectra</c> (K × M), <c>flux_mean</c>, <c>flux_std</c> (M), <c>w_hat</c> (K·N, component-major),
/// <c>factors</c> (N), and <c>hyperparameters/{lambda_xi, variances (K), lengthscales (K × D)}</c>; root attributes
/// <c>trained</c> and <c>name</c>. Starfish's kernel is a·exp(−½ Σ (Δ_d/ℓ_d)²), the same parametrization as here, so the
/// numbers carry over unchanged. Blase adds what Starfish ignores: <c>pixel_variance</c> (the truncation variance per
/// whitened pixel), <c>hyperparameters/factor_*</c> (the ln-factor trend and GP), and the attributes <c>blase_format</c>
/// <c>wavelength_medium</c> and <c>fixed_label_names/values</c>. A file Starfish wrote lacks them: its pixel variance is taken as 0 and the factor GP is
/// refitted from <c>factors</c> (deterministic). Everything is float64, so a save and load round-trips every number exactly.
/// Writes are atomic (<see cref="AtomicFile"/>).
/// </summary>
public static class StarfishEmulatorFile
{
    public const string Format = "blase-pca-gp 1";

    public static void Save(PcaGpEmulator e, string path, bool overwrite = true)
    {
        int n = e.GridCount, k = e.ComponentCount, d = e.LabelCount;
        var wHat = new double[k * n];
        for (int a = 0; a < k; a++) for (int i = 0; i < n; i++) wHat[a * n + i] = e.Weights[i][a];
        var hyper = new H5Group
        {
            ["lambda_xi"] = e.LambdaXi,
            ["variances"] = e.Variances,
            ["lengthscales"] = To2D(e.LengthScales, d),
            ["factor_trend"] = e.Factor.Trend,
            ["factor_label_centre"] = e.Factor.Centre,
            ["factor_label_scale"] = e.Factor.Scale,
            ["factor_label_squares"] = e.Factor.Squares.Select(q => q ? 1.0 : 0.0).ToArray(),
            ["factor_variance"] = e.Factor.Variance,
            ["factor_lengthscales"] = e.Factor.LengthScales,
            ["factor_noise"] = e.Factor.Noise,
        };
        var file = new H5File
        {
            ["grid_points"] = new H5Dataset(To2D(e.GridPoints, d)) { Attributes = { ["names"] = e.LabelNames.ToArray() } },
            ["wavelength"] = new H5Dataset(e.Wavelength) { Attributes = { ["units"] = "Angstrom" } },
            ["weights"] = To2D(e.Weights, k),
            ["eigenspectra"] = To2D(e.Eigenspectra, e.PixelCount),
            ["flux_mean"] = e.Whitening.FluxMean,
            ["flux_std"] = e.Whitening.FluxStd,
            ["w_hat"] = wHat,
            ["factors"] = e.Whitening.Factors,
            ["pixel_variance"] = e.PixelVariance,
            ["hyperparameters"] = hyper,
        };
        file.Attributes["trained"] = (byte)1;
        file.Attributes["blase_format"] = Format;
        file.Attributes["wavelength_medium"] = e.Medium.ToString();
        if (e.Name is not null) file.Attributes["name"] = e.Name;
        if (e.FixedLabels.Count > 0)
        {
            file.Attributes["fixed_label_names"] = e.FixedLabels.Keys.ToArray();
            file.Attributes["fixed_label_values"] = e.FixedLabels.Values.ToArray();
        }
        // PureHDF writes to a seekable read-write stream; the atomic file stream is write-only, so go through memory.
        var buffer = new MemoryStream();
        file.Write(buffer);
        var bytes = buffer.ToArray();
        AtomicFile.Write(path, stream => stream.Write(bytes), overwrite);
    }

    /// <summary>True when the file is HDF5 with the datasets of a Starfish emulator.</summary>
    public static bool IsEmulator(string path)
    {
        try
        {
            using var f = H5File.OpenRead(path);
            return f.LinkExists("eigenspectra") && f.LinkExists("grid_points") && f.LinkExists("flux_mean");
        }
        catch (Exception) { return false; }
    }

    public static PcaGpEmulator Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"no such file: {path}", path);
        PureHDF.VOL.Native.NativeFile f;
        try { f = H5File.OpenRead(path); }
        catch (Exception ex) { throw new BlaseDataException($"cannot be read as HDF5: {ex.Message}", path, ex); }
        using (f)
        {
            IH5Dataset Need(string name) => f.LinkExists(name) ? f.Dataset(name)
                : throw new BlaseDataException($"has no '{name}' dataset: not a Starfish emulator file", path);
            var gp = Need("grid_points");
            var grid = Rows(Read2D(gp));
            int n = grid.Length, dims = grid[0].Length;
            string[] names = gp.AttributeExists("names") ? ReadStrings(gp.Attribute("names")) : Enumerable.Range(0, dims).Select(i => $"label{i}").ToArray();
            if (names.Length != dims) throw new BlaseDataException($"grid_points has {dims} columns but {names.Length} names", path);
            var wl = Read1D(Need("wavelength"));
            var eig = Rows(Read2D(Need("eigenspectra")));
            int k = eig.Length;
            var mean = Read1D(Need("flux_mean"));
            var std = Read1D(Need("flux_std"));
            double[][] weights;
            if (f.LinkExists("w_hat"))
            {
                var wHat = Read1D(f.Dataset("w_hat"));
                if (wHat.Length != k * n) throw new BlaseDataException($"w_hat has {wHat.Length} values, not {k} components × {n} grid points", path);
                weights = Enumerable.Range(0, n).Select(i => Enumerable.Range(0, k).Select(a => wHat[a * n + i]).ToArray()).ToArray();
            }
            else weights = Rows(Read2D(Need("weights")));
            var factors = f.LinkExists("factors") ? Read1D(f.Dataset("factors")) : Enumerable.Repeat(1.0, n).ToArray();
            string hpName = f.LinkExists("hyperparameters") ? "hyperparameters" : f.LinkExists("hyper_parameters") ? "hyper_parameters"
                : throw new BlaseDataException("has no 'hyperparameters' group: not a trained Starfish emulator", path);
            var hp = f.Group(hpName);
            IH5Dataset NeedHp(string name) => hp.LinkExists(name) ? hp.Dataset(name)
                : throw new BlaseDataException($"has no '{hpName}/{name}' dataset", path);
            double lambdaXi = ReadScalar(NeedHp("lambda_xi"));
            var variances = Read1D(NeedHp("variances"));
            var lengths = Rows(Read2D(NeedHp("lengthscales")));
            double[]? pixelVariance = f.LinkExists("pixel_variance") ? Read1D(f.Dataset("pixel_variance")) : null;
            FactorHyperparameters? factor = null;
            if (hp.LinkExists("factor_trend"))
                factor = new FactorHyperparameters(Read1D(hp.Dataset("factor_trend")), Read1D(hp.Dataset("factor_label_centre")),
                    Read1D(hp.Dataset("factor_label_scale")), Read1D(hp.Dataset("factor_label_squares")).Select(q => q != 0).ToArray(),
                    ReadScalar(hp.Dataset("factor_variance")),
                    Read1D(hp.Dataset("factor_lengthscales")), ReadScalar(hp.Dataset("factor_noise")));
            var medium = f.AttributeExists("wavelength_medium") && Enum.TryParse<WavelengthMedium>(f.Attribute("wavelength_medium").Read<string>(), out var md)
                ? md : WavelengthMedium.Air;
            string? name = f.AttributeExists("name") ? f.Attribute("name").Read<string>() : null;
            var fixedLabels = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
            if (f.AttributeExists("fixed_label_names") && f.AttributeExists("fixed_label_values"))
            {
                var fn = ReadStrings(f.Attribute("fixed_label_names"));
                var fv = f.Attribute("fixed_label_values").Read<double[]>();
                for (int i = 0; i < Math.Min(fn.Length, fv.Length); i++) fixedLabels[fn[i]] = fv[i];
            }
            try
            {
                return new PcaGpEmulator(names, grid, wl, new Whitening(factors, mean, std), eig, weights, lambdaXi, variances, lengths,
                    pixelVariance, factor, medium, name, fixedLabels) { SourcePath = Path.GetFullPath(path) };
            }
            catch (BlaseDataException ex) when (ex.Path is null) { throw new BlaseDataException(ex.Problem, path, ex); }
            catch (InvalidOperationException ex) { throw new BlaseDataException(ex.Message, path, ex); }
        }
    }

    private static double[,] To2D(double[][] rows, int cols)
    {
        var a = new double[rows.Length, cols];
        for (int i = 0; i < rows.Length; i++) for (int j = 0; j < cols; j++) a[i, j] = rows[i][j];
        return a;
    }

    private static double[][] Rows(double[,] a) =>
        Enumerable.Range(0, a.GetLength(0)).Select(i => Enumerable.Range(0, a.GetLength(1)).Select(j => a[i, j]).ToArray()).ToArray();

    private static double[] Read1D(IH5Dataset d)
    {
        try { return d.Read<double[]>(); }
        catch (Exception) { return d.Read<float[]>().Select(v => (double)v).ToArray(); }
    }

    private static double[,] Read2D(IH5Dataset d)
    {
        double[,] a;
        try { a = d.Read<double[,]>(); }
        catch (Exception)
        {
            var g = d.Read<float[,]>();
            a = new double[g.GetLength(0), g.GetLength(1)];
            for (int i = 0; i < g.GetLength(0); i++) for (int j = 0; j < g.GetLength(1); j++) a[i, j] = g[i, j];
        }
        return a;
    }

    private static double ReadScalar(IH5Dataset d)
    {
        try { return d.Read<double>(); }
        catch (Exception) { return d.Read<double[]>()[0]; }
    }

    private static string[] ReadStrings(IH5Attribute a)
    {
        try { return a.Read<string[]>(); }
        catch (Exception) { return new[] { a.Read<string>() }; }
    }
}
