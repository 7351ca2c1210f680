func.func @main() {
  %0 = nn.bogus
}
