// The part of @lhncbc/ucum-lhc the search uses (the package ships no type declarations).
declare module '@lhncbc/ucum-lhc' {
  export const UcumLhcUtils: { getInstance(): unknown };
}
