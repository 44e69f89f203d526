import { defineConfig } from "vite";

// The Tauri shell loads http://localhost:1420 in development and ./dist when built.
export default defineConfig({
  clearScreen: false,
  server: { port: 1420, strictPort: true },
  build: { target: "safari15", outDir: "dist", emptyOutDir: true },
  test: { environment: "node" },
});
