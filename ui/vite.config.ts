import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Tauri loads the built files from disk (relative paths) and, in `tauri dev`, from the
// dev server on a fixed port; `clearScreen: false` keeps the Rust build output visible.
export default defineConfig({
  base: './',
  plugins: [react()],
  clearScreen: false,
  server: { port: 1420, strictPort: true },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
});
