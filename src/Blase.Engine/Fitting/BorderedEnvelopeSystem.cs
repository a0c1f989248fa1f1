namespace Blase.Engine.Fitting;

/// <summary>
/// A symmetric positive-definite system whose main block is sparse near its diagonal (parameters that couple only to their
/// neighbours: lines sorted by wavelength) with a dense border (parameters that couple to everything: RV, v sin i, R,
/// continua): [A B; Bᵀ D][x; y] = [f; h]. A is stored by its envelope (row i from its first nonzero column f_i to the
/// diagonal), which Cholesky fills no further (George &amp; Liu, Computer Solution of Large Sparse Positive Definite Systems,
/// ch. 4), so the work is Σ_i (i − f_i)², not n·(widest row)². The border is solved through its Schur complement
/// S = D − BᵀA⁻¹B, whose inverse is the border's covariance with the main block's parameters marginalized.
/// </summary>
public sealed class BorderedEnvelopeSystem
{
    private readonly int[] _first;
    private readonly double[][] _rows; // _rows[i][j − _first[i]] = A[i, j], j ≤ i

    /// <param name="first">For each row of A, its first nonzero column (≤ the row).</param>
    /// <param name="border">The number of border parameters.</param>
    public BorderedEnvelopeSystem(int[] first, int border)
    {
        N = first.Length; M = border;
        _first = first;
        _rows = first.Select((f, i) => new double[i - f + 1]).ToArray();
        Border = new double[N * border];
        Corner = new double[border * border];
    }

    public int N { get; }
    public int M { get; }
    /// <summary>B[i, b] at Border[i·M + b].</summary>
    public double[] Border { get; }
    /// <summary>D[a, b] at Corner[a·M + b].</summary>
    public double[] Corner { get; }

    /// <summary>A[i, j] += v (either triangle; j must lie in the envelope).</summary>
    public void Add(int i, int j, double v)
    {
        if (i < j) (i, j) = (j, i);
        _rows[i][j - _first[i]] += v;
    }

    /// <summary>Solves with the diagonal scaled by (1 + λ) (Levenberg–Marquardt damping); null when not positive definite.</summary>
    public (double[] X, double[] Y, double[] BorderInverse)? Solve(double[] f, double[] h, double lambda)
    {
        var l = _rows.Select(r => (double[])r.Clone()).ToArray();
        for (int i = 0; i < N; i++) l[i][i - _first[i]] = l[i][i - _first[i]] * (1 + lambda) + 1e-12;
        for (int i = 0; i < N; i++)
        {
            int fi = _first[i];
            var li = l[i];
            for (int j = fi; j <= i; j++)
            {
                var lj = l[j];
                int fj = _first[j];
                double s = li[j - fi];
                for (int k = Math.Max(fi, fj); k < j; k++) s -= li[k - fi] * lj[k - fj];
                if (j == i)
                {
                    if (!(s > 0) || !double.IsFinite(s)) return null;
                    li[i - fi] = Math.Sqrt(s);
                }
                else li[j - fi] = s / lj[j - fj];
            }
        }
        double[] SolveA(double[] rhs)
        {
            var y = (double[])rhs.Clone();
            for (int i = 0; i < N; i++)
            {
                double s = y[i];
                int fi = _first[i];
                for (int k = fi; k < i; k++) s -= l[i][k - fi] * y[k];
                y[i] = s / l[i][i - fi];
            }
            for (int i = N - 1; i >= 0; i--)
            {
                y[i] /= l[i][i - _first[i]];
                double yi = y[i];
                int fi = _first[i];
                for (int k = fi; k < i; k++) y[k] -= l[i][k - fi] * yi;
            }
            return y;
        }
        var aInvF = SolveA(f);
        var aInvB = new double[M][];
        for (int b = 0; b < M; b++) aInvB[b] = SolveA(Enumerable.Range(0, N).Select(i => Border[i * M + b]).ToArray());
        var s2 = new double[M * M];
        var rhs2 = new double[M];
        for (int a = 0; a < M; a++)
        {
            double r = h[a];
            for (int i = 0; i < N; i++) r -= Border[i * M + a] * aInvF[i];
            rhs2[a] = r;
            for (int b = 0; b < M; b++)
            {
                double v = Corner[a * M + b] * (a == b ? 1 + lambda : 1) + (a == b ? 1e-12 : 0);
                for (int i = 0; i < N; i++) v -= Border[i * M + a] * aInvB[b][i];
                s2[a * M + b] = v;
            }
        }
        var inv = new double[M * M];
        for (int c = 0; c < M; c++)
        {
            var e = new double[M]; e[c] = 1;
            if (!DenseSolver.Solve((double[])s2.Clone(), e, M)) return null;
            for (int r = 0; r < M; r++) inv[r * M + c] = e[r];
        }
        var y2 = new double[M];
        for (int a = 0; a < M; a++) for (int b = 0; b < M; b++) y2[a] += inv[a * M + b] * rhs2[b];
        var x = aInvF;
        for (int b = 0; b < M; b++) for (int i = 0; i < N; i++) x[i] -= aInvB[b][i] * y2[b];
        return (x, y2, inv);
    }
}
