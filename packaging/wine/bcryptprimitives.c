/*
 * Test-only stand-in for Windows' bcryptprimitives.dll, for running Rust
 * programs under wine 8 (which lacks the DLL; Rust's std imports
 * ProcessPrng from it for every HashMap seed). NEVER shipped: real Windows
 * has the DLL. ProcessPrng is answered by advapi32's RtlGenRandom
 * (exported as SystemFunction036), which wine implements over the host's
 * random source. Built by .ci/windows.sh with mingw-w64.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    /* RtlGenRandom takes a ULONG: fill larger requests in pieces. */
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
