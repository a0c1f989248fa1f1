namespace Blase.Engine.Emulators.Starfish;

/// <summary>
/// The whitening before PCA (Czekala et al. 2015, §2.4; Starfish's <c>Emulator.from_grid</c>): each spectrum F_i is divided
/// by its own mean flux c_i (the "factor", which removes the uninteresting overall level), then each pixel j is centred on the
/// grid mean μ_j and scaled by the grid standard deviation σ_j (population, ddof 0, as numpy):
/// z_ij = (F_ij / c_i − μ_j) / σ_j.  The inverse is F_ij = c_i (μ_j + σ_j z_ij).
/// </summary>
public sealed class Whitening
{
    public Whitening(double[] factors, double[] fluxMean, double[] fluxStd)
    {
        if (fluxMean.Length != fluxStd.Length) throw new ArgumentException("flux_mean and flux_std differ in length");
        Factors = factors; FluxMean = fluxMean; FluxStd = fluxStd;
    }

    /// <summary>The mean flux c_i of each grid spectrum (Starfish's <c>factors</c>).</summary>
    public double[] Factors { get; }
    /// <summary>μ_j: the mean of the normalized grid fluxes at each pixel.</summary>
    public double[] FluxMean { get; }
    /// <summary>σ_j: their standard deviation at each pixel (1 where the grid does not vary, so nothing divides by 0).</summary>
    public double[] FluxStd { get; }

    /// <summary>Fits the whitening to a grid and returns it with the whitened fluxes z, [point][pixel].</summary>
    public static (Whitening Whitening, double[][] Whitened) Fit(double[][] fluxes)
    {
        int n = fluxes.Length, m = fluxes[0].Length;
        var factors = new double[n];
        var z = new double[n][];
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            foreach (var f in fluxes[i]) s += f;
            factors[i] = s / m;
            if (!(factors[i] > 0)) throw new BlaseDataException($"grid spectrum {i} has mean flux {factors[i]}; fluxes must be positive");
            z[i] = new double[m];
            for (int j = 0; j < m; j++) z[i][j] = fluxes[i][j] / factors[i];
        }
        var mean = new double[m];
        var std = new double[m];
        for (int j = 0; j < m; j++)
        {
            double s = 0;
            for (int i = 0; i < n; i++) s += z[i][j];
            mean[j] = s / n;
            double v = 0;
            for (int i = 0; i < n; i++) { double d = z[i][j] - mean[j]; v += d * d; }
            std[j] = Math.Sqrt(v / n);
            if (!(std[j] > 0)) std[j] = 1;
            for (int i = 0; i < n; i++) z[i][j] = (z[i][j] - mean[j]) / std[j];
        }
        return (new Whitening(factors, mean, std), z);
    }

    /// <summary>F_j = c (μ_j + σ_j z_j).</summary>
    public double[] Unwhiten(double[] z, double factor)
    {
        var f = new double[z.Length];
        for (int j = 0; j < z.Length; j++) f[j] = factor * (FluxMean[j] + FluxStd[j] * z[j]);
        return f;
    }
}
