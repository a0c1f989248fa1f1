namespace Blase.Engine.Compute;

/// <summary>
/// The device memory one run may still take, shared by its parts (the orders of a transfer) so that together they fit; a part
/// that would not fit runs on the CPU instead of failing to allocate. One per run, never static. Thread-safe.
/// </summary>
internal sealed class DeviceMemoryBudget
{
    private long _left;

    public DeviceMemoryBudget(long bytes) => _left = bytes;

    public long Left => Interlocked.Read(ref _left);

    /// <summary>Takes <paramref name="bytes"/> if that many are left; says whether it did.</summary>
    public bool TryTake(long bytes)
    {
        for (long left = Left; left >= bytes; left = Left)
            if (Interlocked.CompareExchange(ref _left, left - bytes, left) == left) return true;
        return false;
    }
}
