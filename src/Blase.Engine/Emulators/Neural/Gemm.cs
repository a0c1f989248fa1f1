using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Blase.Engine.Emulators.Neural;

/// <summary>
/// Single-precision matrix products for training a fully connected network, row-major throughout, on all cores: the three
/// shapes backpropagation needs, C = A·B (forward), C = Aᵀ·B (weight gradients) and C = A·Bᵀ (gradients of activations).
/// The first two share one register-blocked kernel: a tile of 4 rows of C by 16 columns lives in eight 256-bit accumulators,
/// and each step over the inner index loads two vectors of B and broadcasts four values of A (8 fused multiply-adds per 2
/// loads); columns are split into blocks of 256 so that a block of B stays in the core's cache while every row of A passes.
/// C = A·Bᵀ is dot products along the contiguous inner index, a 2 × 2 tile of rows at a time. Without 256-bit vectors the
/// same loops run in scalars.
/// </summary>
public static class Gemm
{
    private const int ColumnBlock = 256;

    /// <summary>C[m×n] = A[m×k]·B[k×n] (+ C when <paramref name="accumulate"/>).</summary>
    public static void Multiply(float[] a, float[] b, float[] c, int m, int k, int n, bool accumulate = false) =>
        Blocked(a, k, 1, b, c, m, k, n, accumulate);

    /// <summary>C[m×n] = A[k×m]ᵀ·B[k×n] (+ C when <paramref name="accumulate"/>).</summary>
    public static void MultiplyTransposedA(float[] a, float[] b, float[] c, int m, int k, int n, bool accumulate = false) =>
        Blocked(a, 1, m, b, c, m, k, n, accumulate);

    /// <summary>C[m×n] = A[m×k]·B[n×k]ᵀ: dot products over blocks of the inner index, so that a block of B's rows stays in cache.</summary>
    public static void MultiplyTransposedB(float[] a, float[] b, float[] c, int m, int k, int n)
    {
        int rowPairs = (m + 1) / 2;
        for (int p0 = 0; p0 < k; p0 += InnerBlock)
        {
            int p1 = Math.Min(k, p0 + InnerBlock);
            bool first = p0 == 0;
            Parallel.For(0, Chunks(rowPairs), chunk =>
            {
                var (from, to) = Range(chunk, rowPairs);
                for (int ip = from; ip < to; ip++)
                {
                    int i0 = 2 * ip, i1 = Math.Min(i0 + 1, m - 1);
                    for (int j0 = 0; j0 < n; j0 += 2)
                    {
                        int j1 = Math.Min(j0 + 1, n - 1);
                        Dot2x2(a, i0 * k, i1 * k, b, j0 * k, j1 * k, p0, p1, out float c00, out float c01, out float c10, out float c11);
                        if (first) { c[i0 * n + j0] = c00; if (j1 != j0) c[i0 * n + j1] = c01; }
                        else { c[i0 * n + j0] += c00; if (j1 != j0) c[i0 * n + j1] += c01; }
                        if (i1 == i0) continue;
                        if (first) { c[i1 * n + j0] = c10; if (j1 != j0) c[i1 * n + j1] = c11; }
                        else { c[i1 * n + j0] += c10; if (j1 != j0) c[i1 * n + j1] += c11; }
                    }
                }
            });
        }
    }

    private const int InnerBlock = 256;

    private static int Chunks(int items) => Math.Max(1, Math.Min(items, 4 * Environment.ProcessorCount));
    private static (int From, int To) Range(int chunk, int items)
    {
        int chunks = Chunks(items);
        return ((int)((long)items * chunk / chunks), (int)((long)items * (chunk + 1) / chunks));
    }

    /// <summary>C[i, j] (+)= Σ_p A(i, p)·B[p, j] with A(i, p) = a[i·si + p·sp].</summary>
    private static void Blocked(float[] a, int si, int sp, float[] b, float[] c, int m, int k, int n, bool accumulate)
    {
        int blocks = (n + ColumnBlock - 1) / ColumnBlock;
        int rowTiles = (m + 3) / 4;
        // Parallel over (column block, row tile range): enough pieces for every core even when n is small (hidden layers).
        int rowSplit = Math.Max(1, Math.Min(rowTiles, (2 * Environment.ProcessorCount + blocks - 1) / blocks));
        Parallel.For(0, blocks * rowSplit, piece =>
        {
            int block = piece / rowSplit, split = piece % rowSplit;
            int j0 = block * ColumnBlock, j1 = Math.Min(n, j0 + ColumnBlock);
            int t0 = (int)((long)rowTiles * split / rowSplit), t1 = (int)((long)rowTiles * (split + 1) / rowSplit);
            for (int t = t0; t < t1; t++)
            {
                int i0 = 4 * t, rows = Math.Min(4, m - i0);
                int j = j0;
                if (Vector256.IsHardwareAccelerated && rows == 4)
                    for (; j + 16 <= j1; j += 16) Tile4x16(a, si, sp, b, c, i0, j, k, n, accumulate);
                for (; j < j1; j++)
                    for (int r = 0; r < rows; r++)
                    {
                        float s = accumulate ? c[(i0 + r) * n + j] : 0;
                        int ai = (i0 + r) * si;
                        for (int p = 0; p < k; p++) s += a[ai + p * sp] * b[p * n + j];
                        c[(i0 + r) * n + j] = s;
                    }
            }
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Fmadd(Vector256<float> x, Vector256<float> y, Vector256<float> acc) =>
        Fma.IsSupported ? Fma.MultiplyAdd(x, y, acc) : acc + x * y;

    private static void Tile4x16(float[] a, int si, int sp, float[] b, float[] c, int i0, int j, int k, int n, bool accumulate)
    {
        ref float rb = ref b[0];
        ref float rc = ref c[0];
        Vector256<float> c00, c01, c10, c11, c20, c21, c30, c31;
        nuint o0 = (nuint)(i0 * n + j), o1 = o0 + (nuint)n, o2 = o1 + (nuint)n, o3 = o2 + (nuint)n;
        if (accumulate)
        {
            c00 = Vector256.LoadUnsafe(ref rc, o0); c01 = Vector256.LoadUnsafe(ref rc, o0 + 8);
            c10 = Vector256.LoadUnsafe(ref rc, o1); c11 = Vector256.LoadUnsafe(ref rc, o1 + 8);
            c20 = Vector256.LoadUnsafe(ref rc, o2); c21 = Vector256.LoadUnsafe(ref rc, o2 + 8);
            c30 = Vector256.LoadUnsafe(ref rc, o3); c31 = Vector256.LoadUnsafe(ref rc, o3 + 8);
        }
        else c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = Vector256<float>.Zero;
        int a0 = i0 * si, a1 = a0 + si, a2 = a1 + si, a3 = a2 + si;
        for (int p = 0; p < k; p++)
        {
            nuint bo = (nuint)(p * n + j);
            var b0 = Vector256.LoadUnsafe(ref rb, bo);
            var b1 = Vector256.LoadUnsafe(ref rb, bo + 8);
            int ap = p * sp;
            var x = Vector256.Create(a[a0 + ap]); c00 = Fmadd(x, b0, c00); c01 = Fmadd(x, b1, c01);
            x = Vector256.Create(a[a1 + ap]); c10 = Fmadd(x, b0, c10); c11 = Fmadd(x, b1, c11);
            x = Vector256.Create(a[a2 + ap]); c20 = Fmadd(x, b0, c20); c21 = Fmadd(x, b1, c21);
            x = Vector256.Create(a[a3 + ap]); c30 = Fmadd(x, b0, c30); c31 = Fmadd(x, b1, c31);
        }
        c00.StoreUnsafe(ref rc, o0); c01.StoreUnsafe(ref rc, o0 + 8);
        c10.StoreUnsafe(ref rc, o1); c11.StoreUnsafe(ref rc, o1 + 8);
        c20.StoreUnsafe(ref rc, o2); c21.StoreUnsafe(ref rc, o2 + 8);
        c30.StoreUnsafe(ref rc, o3); c31.StoreUnsafe(ref rc, o3 + 8);
    }

    /// <summary>The four dot products of rows a0, a1 with rows b0, b1 over the inner indices [from, to).</summary>
    private static void Dot2x2(float[] a, int a0, int a1, float[] b, int b0, int b1, int from, int to,
        out float c00, out float c01, out float c10, out float c11)
    {
        int p = from, k = to;
        float s00 = 0, s01 = 0, s10 = 0, s11 = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float ra = ref a[0];
            ref float rb = ref b[0];
            Vector256<float> v00 = default, v01 = default, v10 = default, v11 = default;
            for (; p + 8 <= k; p += 8)
            {
                var x0 = Vector256.LoadUnsafe(ref ra, (nuint)(a0 + p));
                var x1 = Vector256.LoadUnsafe(ref ra, (nuint)(a1 + p));
                var y0 = Vector256.LoadUnsafe(ref rb, (nuint)(b0 + p));
                var y1 = Vector256.LoadUnsafe(ref rb, (nuint)(b1 + p));
                v00 = Fmadd(x0, y0, v00); v01 = Fmadd(x0, y1, v01);
                v10 = Fmadd(x1, y0, v10); v11 = Fmadd(x1, y1, v11);
            }
            s00 = Vector256.Sum(v00); s01 = Vector256.Sum(v01); s10 = Vector256.Sum(v10); s11 = Vector256.Sum(v11);
        }
        for (; p < k; p++)
        {
            s00 += a[a0 + p] * b[b0 + p]; s01 += a[a0 + p] * b[b1 + p];
            s10 += a[a1 + p] * b[b0 + p]; s11 += a[a1 + p] * b[b1 + p];
        }
        c00 = s00; c01 = s01; c10 = s10; c11 = s11;
    }
}
