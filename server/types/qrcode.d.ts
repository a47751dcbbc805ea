// The part of `qrcode` we use (there is no @types/qrcode in the project).
declare module 'qrcode' {
  interface ToStringOptions {
    type?: 'svg' | 'utf8' | 'terminal';
    errorCorrectionLevel?: 'L' | 'M' | 'Q' | 'H';
    margin?: number;
    width?: number;
  }
  export function toString(text: string, options?: ToStringOptions): Promise<string>;
  const QRCode: { toString: typeof toString };
  export default QRCode;
}
