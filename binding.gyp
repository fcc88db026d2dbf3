{
  "targets": [
    {
      "target_name": "memxbar_native",
      "sources": [
        "src/native/kernels/addon.cc",
        "src/native/kernels/threads.cc",
        "src/native/kernels/tensor.cc",
        "src/native/kernels/plan.cc",
        "src/native/kernels/general.cc",
        "src/native/kernels/cells.cc",
        "src/native/kernels/gemm.cc",
        "src/native/kernels/blocked_gemm.cc",
        "src/native/kernels/bitsliced.cc",
        "src/native/kernels/histogram.cc",
        "src/native/kernels/mt_map.cc",
        "src/native/kernels/program.cc"
      ],
      "include_dirs": ["<!@(node -p \"require('node-addon-api').include\")"],
      "defines": ["NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      # GCC 12's own AVX-512 intrinsics headers (self-initialised __Y, GCC bug 105593) make it warn
      # "may be used uninitialized" in every caller; npm ci would print dozens of such lines.
      "cflags_cc": ["-O3", "-march=native", "-fopenmp-simd", "-std=c++17", "-Wno-maybe-uninitialized", "-Wno-uninitialized"],
      "cflags_cc!": ["-fno-exceptions"]
    }
  ]
}
