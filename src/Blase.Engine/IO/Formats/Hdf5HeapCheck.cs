using System.Buffers.Binary;

namespace Blase.Engine.IO.Formats;

/// <summary>
/// PureHDF allocates a local heap's data segment, a global heap collection and each object in it at the size the file
/// states before it reads them, so one damaged size field makes it allocate gigabytes, or fail with
/// OutOfMemoryException. This check
/// finds those structures by their signatures (with their version and reserved bytes, so that raw data rarely passes
/// for one) and compares their sizes with the file's length before PureHDF sees the file. It reads the file once;
/// the grid reader reads every dataset anyway, so this costs at most a second pass over the bytes.
/// </summary>
internal static class Hdf5HeapCheck
{
    private static readonly byte[] Superblock = { 0x89, (byte)'H', (byte)'D', (byte)'F', 0x0D, 0x0A, 0x1A, 0x0A };
    private static readonly byte[] LocalHeap = "HEAP"u8.ToArray(), GlobalHeap = "GCOL"u8.ToArray();

    public static void Check(string path)
    {
        using var fs = File.OpenRead(path);
        long length = fs.Length;
        var head = new byte[16];
        if (fs.Read(head, 0, 16) != 16 || !head.AsSpan(0, 8).SequenceEqual(Superblock)) return; // PureHDF will say what is wrong
        // Field widths from the superblock: version 0 and 1 keep them at bytes 13–14, versions 2 and 3 at 9–10.
        int offsets = head[8] <= 1 ? head[13] : head[9], lengths = head[8] <= 1 ? head[14] : head[10];
        if (offsets is not (2 or 4 or 8) || lengths is not (2 or 4 or 8)) return;
        fs.Position = 0;

        // Read in blocks; the last Tail bytes of a block are kept for the next, so a structure that straddles two
        // blocks is still seen whole.
        const int Block = 1 << 20, Tail = 64;
        var buffer = new byte[Block + Tail];
        long start = 0;
        int kept = 0;
        while (true)
        {
            int n = fs.Read(buffer, kept, buffer.Length - kept);
            int total = kept + n, limit = n == 0 ? total : Math.Max(0, total - Tail);
            var span = buffer.AsSpan(0, total);
            foreach (var sig in new[] { LocalHeap, GlobalHeap })
                for (int at = 0; at < limit && span[at..].IndexOf(sig) is var i and >= 0 && at + i < limit; at += i + 4)
                    CheckAt(fs, span, at + i, start + at + i, sig == LocalHeap, offsets, lengths, length, path);
            if (n == 0) break;
            Array.Copy(buffer, limit, buffer, 0, total - limit);
            start += limit;
            kept = total - limit;
        }
    }

    private static void CheckAt(FileStream fs, ReadOnlySpan<byte> span, int i, long position, bool local, int offsets, int lengths, long fileLength, string path)
    {
        // Local heap: "HEAP", version 0, 3 reserved bytes, data segment size, free-list offset, data segment address.
        // Global heap collection: "GCOL", version 1, 3 reserved bytes, collection size (which includes this header),
        // then objects: index (2 bytes), reference count (2), reserved (4), size, data padded to 8 bytes; index 0
        // is the free space at the end.
        int need = 8 + (local ? 2 * lengths + offsets : lengths);
        if (i + need > span.Length || span[i + 4] != (local ? 0 : 1) || span[i + 5] != 0 || span[i + 6] != 0 || span[i + 7] != 0) return;
        ulong size = Read(span[(i + 8)..], lengths);
        if (local)
        {
            ulong address = Read(span[(i + 8 + 2 * lengths)..], offsets);
            bool undefined = address == (offsets == 8 ? ulong.MaxValue : (1UL << (8 * offsets)) - 1);
            if (size > (ulong)fileLength || (!undefined && size > 0 && (address > (ulong)fileLength || address + size > (ulong)fileLength)))
                throw new BlaseDataException(
                    $"is a damaged HDF5 file: the local heap at byte {position} claims {size} bytes at address {address}, beyond the file's {fileLength} bytes", path);
            return;
        }
        if (size > (ulong)(fileLength - position))
            throw new BlaseDataException(
                $"is a damaged HDF5 file: the global heap at byte {position} claims {size} bytes, more than the {fileLength - position} left in the file", path);
        // Walk the objects' headers (read one by one: the collection itself is not loaded).
        var header = new byte[8 + lengths];
        long end = position + (long)size;
        for (long at = position + 8 + lengths; at + header.Length <= end; )
        {
            if (RandomAccess.Read(fs.SafeFileHandle, header, at) < header.Length) return;
            if (BinaryPrimitives.ReadUInt16LittleEndian(header) == 0) return; // free space: the last object
            ulong objectSize = Read(header.AsSpan(8), lengths);
            if (objectSize > (ulong)(end - at - header.Length))
                throw new BlaseDataException(
                    $"is a damaged HDF5 file: an object in the global heap at byte {position} claims {objectSize} bytes, more than its collection holds", path);
            at += header.Length + (long)((objectSize + 7) / 8 * 8);
        }
    }

    private static ulong Read(ReadOnlySpan<byte> b, int width) => width switch
    {
        2 => BinaryPrimitives.ReadUInt16LittleEndian(b),
        4 => BinaryPrimitives.ReadUInt32LittleEndian(b),
        _ => BinaryPrimitives.ReadUInt64LittleEndian(b),
    };
}
