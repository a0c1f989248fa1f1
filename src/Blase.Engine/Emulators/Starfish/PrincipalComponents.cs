using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace Blase.Engine.Emulators.Starfish;

/// <summary>
/// Principal components of the whitened grid Z (N points × M pixels, columns centred): Z = W Φ + R, with orthonormal
/// eigenspectra Φ (K × M, ΦΦᵀ = I), weights W = Z Φᵀ (N × K) and the residual R the K components leave.
/// Computed as a thin QR of Zᵀ = QR followed by the SVD of the small R = U S Vᵀ (MathNet), so that Zᵀ = (QU) S Vᵀ:
/// the eigenspectra are the columns of QU, orthonormal to rounding even for tiny singular values, which the Gram-matrix
/// route (ZZᵀ) would not give. The count K is the fewest components whose explained variance s_k²/Σs² reaches the asked
/// fraction (sklearn's <c>PCA(n_components=0.99)</c>, as Starfish uses), or the count asked; never more than the rank N − 1
/// of a centred grid. Signs are fixed so that each eigenspectrum's largest element is positive (reproducible files).
/// </summary>
public sealed class PrincipalComponents
{
    private PrincipalComponents(double[][] eigenspectra, double[][] weights, double[] explained, double[] residualByPixel)
    {
        Eigenspectra = eigenspectra; Weights = weights; ExplainedVarianceRatio = explained; ResidualByPixel = residualByPixel;
        ResidualSumOfSquares = residualByPixel.Sum();
    }

    /// <summary>Φ, [component][pixel].</summary>
    public double[][] Eigenspectra { get; }
    /// <summary>W = ZΦᵀ, [point][component].</summary>
    public double[][] Weights { get; }
    /// <summary>The variance fraction of every component kept.</summary>
    public double[] ExplainedVarianceRatio { get; }
    /// <summary>‖Z − WΦ‖²: what the kept components leave of the whitened grid.</summary>
    public double ResidualSumOfSquares { get; }
    /// <summary>Σ_i R_ij²: the residual of each pixel summed over the grid.</summary>
    public double[] ResidualByPixel { get; }
    public int Count => Eigenspectra.Length;

    public static PrincipalComponents Compute(double[][] whitened, double explainedVariance = 0.99, int? components = null)
    {
        int n = whitened.Length, m = whitened[0].Length;
        if (n > m) throw new BlaseDataException($"the grid has more spectra ({n}) than pixels ({m}); PCA here expects fewer spectra than pixels");
        if (components is { } c0 && c0 < 1) throw new ArgumentOutOfRangeException("the component count must be at least 1", (Exception?)null);
        if (components is null && !(explainedVariance > 0 && explainedVariance <= 1))
            throw new ArgumentOutOfRangeException($"the explained variance must be in (0, 1] (got {explainedVariance})", (Exception?)null);
        var zt = Matrix<double>.Build.Dense(m, n, (j, i) => whitened[i][j]);
        var qr = zt.QR(QRMethod.Thin);
        var svd = qr.R.Svd(true);
        var s = svd.S.ToArray();
        double total = s.Sum(x => x * x);
        if (!(total > 0)) throw new BlaseDataException("the grid spectra are all the same after whitening; there is nothing to emulate");
        int rank = Math.Max(1, n - 1);
        int k;
        if (components is { } c)
        {
            if (c > rank) throw new ArgumentOutOfRangeException($"a centred grid of {n} spectra has at most {rank} components (asked {c})", (Exception?)null);
            k = c;
        }
        else
        {
            double cum = 0;
            k = 0;
            while (k < rank)
            {
                cum += s[k] * s[k] / total;
                k++;
                if (cum >= explainedVariance * (1 - 1e-12)) break;
            }
        }
        var qu = qr.Q * svd.U.SubMatrix(0, n, 0, k); // m × k
        var phi = new double[k][];
        for (int a = 0; a < k; a++)
        {
            phi[a] = qu.Column(a).ToArray();
            int arg = 0;
            for (int j = 1; j < m; j++) if (Math.Abs(phi[a][j]) > Math.Abs(phi[a][arg])) arg = j;
            if (phi[a][arg] < 0) for (int j = 0; j < m; j++) phi[a][j] = -phi[a][j];
        }
        var w = Project(whitened, phi);
        var rss = new double[m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
            {
                double r = whitened[i][j];
                for (int a = 0; a < k; a++) r -= w[i][a] * phi[a][j];
                rss[j] += r * r;
            }
        return new PrincipalComponents(phi, w, s.Take(k).Select(x => x * x / total).ToArray(), rss);
    }

    /// <summary>W = ZΦᵀ: the weights of spectra on given eigenspectra.</summary>
    public static double[][] Project(double[][] whitened, double[][] eigenspectra)
    {
        var w = new double[whitened.Length][];
        for (int i = 0; i < whitened.Length; i++)
        {
            w[i] = new double[eigenspectra.Length];
            for (int a = 0; a < eigenspectra.Length; a++)
            {
                double d = 0;
                var p = eigenspectra[a];
                var z = whitened[i];
                for (int j = 0; j < z.Length; j++) d += z[j] * p[j];
                w[i][a] = d;
            }
        }
        return w;
    }
}
